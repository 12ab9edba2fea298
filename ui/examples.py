"""Example texts, one click away from every empty page. Written for this app; people invented.

They show the pattern a good draft follows (a moment, a choice, an outcome, a shared "we",
a reason for now, one specific ask), so a first-time user sees what the scores and the
coaching look like before writing their own.
"""

from __future__ import annotations

EXAMPLE_TITLE = "Example: the night corridor"

EXAMPLE_DRAFT = """\
Three winters ago I was a night porter at St Brigid's hospital. One night in January I found \
Mr Okafor, who was eighty-one, still on a trolley in the corridor at four in the morning, \
because there was no bed and no nurse free to find him one. He held my sleeve and asked \
whether anyone knew he was there.

I had been told to keep my head down. Instead, I went to the ward sister, and together we \
wrote down every patient who waited more than twelve hours that week. There were forty-three.

We took that list to the staff meeting, and twenty of us signed a letter to the board. Two \
months later the hospital opened a discharge lounge and hired six more night staff. I learned \
that nobody was coming to fix it for us, but when we acted together, they listened.

I am telling you this because every one of us has a Mr Okafor. Porters, nurses, cleaners and \
carers on the night shift at St Brigid's: we are the people who see what happens when the \
building is quiet. We believe nobody should wait alone in a corridor, and that the people who \
care for patients deserve to be heard.

Now the board wants to cut night staffing by a fifth. They vote on 14 March, five weeks from \
today. If we stay quiet, the corridors fill up again. But we have done this before, and we can \
do it again: if each of us brings two colleagues to the open board meeting, they will have to \
answer us in public.

So here is my ask: sign the pledge card tonight, and come with me to the board meeting at \
6 pm on 14 March in the main hall. Bring two people who have seen what I saw.
"""

#: Answers to every story-builder question, telling one story (so any story type can be tried).
EXAMPLE_ANSWERS = {
    "challenge": (
        "The week my bus route was cut, I watched Mrs Dunne miss her dialysis appointment "
        "because the next bus came two hours later. She sat at the stop in the rain and "
        "said she would just have to skip it."
    ),
    "choice": (
        "I could have driven past. Instead I drove her there, and that evening I knocked "
        "on six doors on our street to ask who else had lost a way to get to the clinic."
    ),
    "outcome": (
        "Eleven neighbours came to my kitchen that Sunday. We set up a lift rota, and the "
        "council agreed to meet us. I learned that a problem feels private until you ask "
        "the person next door."
    ),
    "values": (
        "Nobody should have to choose between their health and the bus timetable. Getting "
        "to care is part of care."
    ),
    "link_to_us": (
        "We are the people of the Eastfield estate who rely on the 41: patients, carers, "
        "night-shift workers and parents without a car."
    ),
    "urgency": (
        "The council decides the new bus contract on 12 May. After that the timetable is "
        "fixed for five years."
    ),
    "hope": (
        "If the 41 runs every half hour until 10 pm, nobody misses dialysis again. The "
        "Northside tenants won their route back last year with a petition and one packed "
        "meeting, and we can too."
    ),
    "ask": (
        "Come to the council meeting at the town hall at 7 pm on 12 May, and sign our "
        "petition at the community centre this Saturday."
    ),
}

#: Three workshop drafts: Ana's first and second versions, and Bilal's story.
EXAMPLE_WORKSHOP = {
    "Ana_v1.txt": (
        "Public transport matters to everyone in our town. Buses are important and the "
        "council should fund them properly. Please support better buses."
    ),
    "Ana_v2.txt": (
        "Last March the number 22 stopped running after 7 pm. That week my neighbour Rosa, "
        "a cleaner at the station, walked home for an hour in the dark because her shift "
        "ended at nine. I decided I would not just complain: I started a petition at the "
        "bus stop, and forty riders signed it in two days.\n\n"
        "We are the riders of the 22 — shift workers, students, carers — and we believe "
        "everyone deserves a safe way home. The council sets the transport budget on 3 June. "
        "If two hundred of us sign before then, they cannot ignore it. Sign the petition at "
        "the library on Saturday at 10 am, and bring one neighbour."
    ),
    "Bilal.txt": (
        "When I started as a care worker I had fifteen minutes per visit. One morning "
        "Mr Hale could not finish his breakfast before I had to leave, and I chose to stay "
        "and lose the pay. After that, five of us kept a diary of every visit that ran over. "
        "The agency added ten minutes to morning calls. We care about dignity, and we know "
        "time is what dignity costs. Join us at the union meeting on Thursday at 6 pm."
    ),
}
