"""Make the writing briefs for the draft corpus (run once; the output is committed).

Why a script: the briefs decide the corpus's spread (settings, genres, languages, quality per
element), and a seeded script lets anyone see and redo that choice. Writers receive only their
own brief file: a persona and a genre per text, and plain-language instructions on what to do
well or badly. They never see the code, the rubric, the labels or other writers' texts.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent
WRITERS = ["w1", "w2", "w3", "w4", "w5", "w6"]

SETTINGS = [
    (
        "a city hospital",
        [
            "night-shift porter",
            "ward nurse",
            "junior doctor",
            "ward clerk",
            "midwife",
            "patient's daughter",
        ],
    ),
    (
        "a care home",
        ["care assistant", "resident's son", "cook", "activities coordinator", "home manager"],
    ),
    (
        "a trade union branch",
        ["shop steward", "warehouse picker", "bus driver", "new member", "branch secretary"],
    ),
    (
        "a tenants' association",
        [
            "tenant on the 9th floor",
            "single father",
            "retired caretaker",
            "student renter",
            "association chair",
        ],
    ),
    (
        "a primary school",
        ["teaching assistant", "parent governor", "dinner lady", "head teacher", "school nurse"],
    ),
    (
        "a climate group",
        [
            "teenage striker",
            "retired engineer",
            "allotment gardener",
            "cycling campaigner",
            "flood-affected homeowner",
        ],
    ),
    (
        "a disability rights group",
        [
            "wheelchair user",
            "deaf organiser",
            "carer of an autistic son",
            "blind commuter",
            "personal assistant",
        ],
    ),
    (
        "a faith community",
        [
            "mosque volunteer",
            "parish priest",
            "synagogue youth leader",
            "gurdwara kitchen volunteer",
            "church food-bank lead",
        ],
    ),
    (
        "a migrants' rights network",
        [
            "asylum seeker",
            "interpreter",
            "seasonal farm worker",
            "refugee nurse retraining",
            "volunteer lawyer",
        ],
    ),
    (
        "a small town",
        ["pub landlord", "library volunteer", "farmer", "bus-route campaigner", "local councillor"],
    ),
    (
        "public-sector reform",
        [
            "benefits adviser",
            "social worker",
            "council planner",
            "probation officer",
            "civil servant",
        ],
    ),
    (
        "a mental health service",
        [
            "peer-support worker",
            "community psychiatric nurse",
            "service user",
            "waiting-list parent",
        ],
    ),
    ("an ambulance service", ["paramedic", "call handler", "patient transport driver"]),
    ("a food bank", ["warehouse volunteer", "client turned volunteer", "coordinator"]),
    ("a gig-economy drivers' network", ["delivery rider", "taxi-app driver", "courier's partner"]),
    ("a public library campaign", ["librarian", "teenage reader", "retired teacher"]),
    ("a rural GP surgery", ["receptionist", "district nurse", "patient with diabetes"]),
    ("a university", ["cleaner", "postgraduate tutor", "first-generation student"]),
]

COUNTRIES_EN = [
    "England",
    "Scotland",
    "Wales",
    "Ireland",
    "the United States",
    "Canada",
    "Australia",
    "New Zealand",
]
PLACES_ES = ["España", "México", "Argentina", "Colombia", "Chile"]
PLACES_FR = ["France", "Québec", "Belgique", "Suisse romande"]

GENRES = {
    "self": [
        "a spoken story of self for a workshop (about two minutes)",
        "a story of self written for a training handout",
        "the opening of a speech where the speaker says why they got involved",
    ],
    "us": [
        "a story of us told at a members' meeting",
        "a newsletter piece about who 'we' are as a group",
        "a short speech welcoming new members",
    ],
    "now": [
        "a story of now for a rally",
        "a short speech at a council or board meeting",
        "a testimony at a public hearing",
    ],
    "full": [
        "a full public narrative (self, us and now) for a rally or meeting, 3-4 minutes spoken",
        "a workshop participant's first draft of a full public narrative",
        "a speech at a union or community conference",
    ],
    "message": [
        "a campaign e-mail to members",
        "a leaflet or flyer",
        "a social-media post",
        "a WhatsApp message to a group",
        "a press release",
        "a letter to a local newspaper",
    ],
}

NON_NARRATIVES = [
    "instructions for using a piece of office equipment",
    "minutes of a committee meeting",
    "an encyclopedia-style entry about an institution or a place",
    "a blank form or template with placeholders",
    "a short annual report section with figures",
    "a recipe",
    "a policy summary or terms and conditions",
    "an FAQ page for a service",
    "a job advertisement",
    "a product description",
    "a technical README for a small tool",
    "a rota or timetable with notes",
]

ADVERSARIAL = [
    "Stuff it with words like 'challenge', 'choice', 'hope', 'values', 'urgent', 'act now', 'our story' but let it say nothing concrete at all.",
    "Slogans only: a string of rousing lines with no story, no details and no concrete request.",
    "Statistics only: a problem described purely through numbers and percentages, with no people or moments.",
    "A story of self told entirely in the third person about the writer ('she', 'he'), as some workshop participants do.",
    "Hedge everything: 'maybe', 'I think', 'sort of', 'I might be wrong', until it is unclear what happened or what is asked.",
    "A vivid personal anecdote that has no public purpose at all (a holiday, a funny incident), told well.",
    "Corporate jargon: synergies, stakeholders, leveraging, going forward - about a change programme.",
    "A long, rambling draft (700-900 words) that wanders into tangents before getting anywhere near the point.",
    "A list of many asks at the end (sign, share, donate, come, call, write...) with no story before it.",
    "Only logistics: date, time, room, what to bring, who to contact - nothing else.",
    "Angry and defiant: the problem and who is to blame, threats, but no picture of what could be better.",
    "A text that reads like a story but is about a fictional fantasy kingdom, no real-world cause.",
]

# Plain-language knobs: what to do well, half-way, or not at all. No rubric wording.
KNOBS = {
    "problem": {
        "strong": "Describe the problem through a particular person, place or moment.",
        "weak": "Mention the problem only in general terms (no particular people or places).",
        "absent": "Do not describe any problem.",
        "implied": "Leave the problem for the reader to infer; never state it outright.",
    },
    "decision": {
        "strong": "Include a clear moment where someone (you or the group) decided to do something.",
        "weak": "Say that people resolved or committed to act, but show no particular moment of deciding.",
        "absent": "Nobody decides anything.",
        "implied": "The decision is implied by what people did afterwards, not narrated.",
    },
    "result": {
        "strong": "Say concretely what happened as a result, or the lesson learned.",
        "weak": "The result is vague, partial or still pending.",
        "absent": "Do not say what happened as a result.",
        "implied": "Let the result show only in passing.",
    },
    "vision": {
        "strong": "Give a concrete picture of how things could be, and a believable reason (a plan, a precedent, evidence).",
        "weak": "Hope only as a general feeling or a line like 'together we can make a difference'.",
        "absent": "No hope or vision at all.",
        "implied": "A metaphor or image of a better future, but no reason given to believe it.",
    },
    "request": {
        "strong": "End with a specific request: what to do, and when/where/how (a date, a link, a meeting, a number).",
        "weak": "End with a vague appeal ('join us', 'get involved', 'share this').",
        "absent": "Make no request of the audience.",
        "implied": "The request is buried in the middle, easy to miss.",
    },
    "detail": {
        "strong": "Use names, places, times and sensory details.",
        "weak": "Only one or two concrete details; mostly abstract.",
        "absent": "Stay abstract throughout.",
    },
    "timing": {
        "strong": "Explain why this must happen now (a deadline or decision date, and why it matters).",
        "weak": "Say it is urgent without saying why or when.",
        "absent": "Give no sense of timing.",
    },
    "values": {
        "strong": "Make clear what the speaker and their people care about, tied to the story.",
        "weak": "Name values only as abstract words.",
        "absent": "Leave values out.",
    },
}

LENGTHS = {
    "self": (150, 450),
    "us": (150, 450),
    "now": (150, 500),
    "full": (350, 800),
    "message": (60, 350),
}
PLAN = (
    ["self"] * 10
    + ["us"] * 7
    + ["now"] * 7
    + ["full"] * 8
    + ["message"] * 10
    + ["non"] * 6
    + ["adv"] * 6
    + ["es"] * 4
    + ["fr"] * 4
)


def knob_text(rng: random.Random, kind: str) -> list[str]:
    """Pick a quality level per element; some texts are strong overall, some weak, most mixed."""
    profile = rng.choice(["strong", "mixed", "mixed", "mixed", "weak"])
    lines = []
    for name, levels in KNOBS.items():
        if kind == "self" and name in ("timing", "request") and rng.random() < 0.7:
            continue  # a story of self often has neither; leave it to the writer
        options = list(levels)
        if profile == "strong":
            level = rng.choices(options, weights=[6] + [1] * (len(options) - 1))[0]
        elif profile == "weak":
            level = rng.choices(options, weights=[1] + [3] * (len(options) - 1))[0]
        else:
            level = rng.choice(options)
        lines.append(levels[level])
    return lines


def brief(rng: random.Random, writer: str, n: int, slot: str) -> dict:
    setting, roles = rng.choice(SETTINGS)
    role = rng.choice(roles)
    person = (
        rng.choice(["first person", "first person", "first person", "third person"])
        if slot in ("us", "now", "message")
        else "first person"
    )
    if slot == "non":
        genre = rng.choice(NON_NARRATIVES)
        return {
            "id": f"{writer}_{n:03d}",
            "writer": writer,
            "language": "en",
            "kind": "non-narrative",
            "brief": f"Write {genre}, connected to {setting}. It is not a story and not a campaign text. "
            f"About {rng.randint(80, 400)} words. Country: {rng.choice(COUNTRIES_EN)}.",
        }
    if slot == "adv":
        trap = rng.choice(ADVERSARIAL)
        return {
            "id": f"{writer}_{n:03d}",
            "writer": writer,
            "language": "en",
            "kind": "adversarial",
            "brief": f"Persona: a {role} in {setting} ({rng.choice(COUNTRIES_EN)}). Genre: {rng.choice(GENRES['message'] + GENRES['full'] + GENRES['self'])}. "
            f"{trap} About {rng.randint(60, 450)} words unless the instruction says otherwise.",
        }
    language = "en"
    country = rng.choice(COUNTRIES_EN)
    kind = slot
    if slot in ("es", "fr"):
        language = slot
        country = rng.choice(PLACES_ES if slot == "es" else PLACES_FR)
        kind = rng.choice(["self", "us", "now", "full", "message"])
    genre = rng.choice(GENRES[kind])
    lo, hi = LENGTHS[kind]
    words = rng.randint(lo, hi)
    knobs = knob_text(rng, kind)
    lang_line = {
        "en": "Write in English.",
        "es": "Write in Spanish (natural, as a native speaker would).",
        "fr": "Write in French (natural, as a native speaker would).",
    }[language]
    text = (
        f"Persona: a {role} in {setting} in {country}. Genre: {genre}. Told in the {person}. "
        f"About {words} words. {lang_line} " + " ".join(knobs)
    )
    return {
        "id": f"{writer}_{n:03d}",
        "writer": writer,
        "language": language,
        "kind": kind,
        "brief": text,
    }


# The coaching check (datasets/coaching): new drafts, never the scorer's training texts.
COACHING_WRITERS = ["c1", "c2"]
COACHING_PLAN = ["self"] * 7 + ["us"] * 4 + ["now"] * 5 + ["full"] * 7 + ["message"] * 5 + ["adv"] * 2


# Round 2 (session 6): four more writers, 50 texts each, same recipe and knobs. Seeds continue
# from round 1's (1000 + writer index), so round 1's briefs are unchanged.
WRITERS_2 = ["w7", "w8", "w9", "w10"]
PLAN_2 = (
    ["self"] * 8
    + ["us"] * 6
    + ["now"] * 6
    + ["full"] * 7
    + ["message"] * 9
    + ["non"] * 4
    + ["adv"] * 6
    + ["es"] * 2
    + ["fr"] * 2
)


def main() -> None:
    make(HERE / "briefs", WRITERS, PLAN, seed=1000)
    make(HERE / "briefs", WRITERS_2, PLAN_2, seed=1000 + len(WRITERS))
    make(HERE.parent / "coaching" / "briefs", COACHING_WRITERS, COACHING_PLAN, seed=5000)


def make(out: Path, writers: list[str], plan: list[str], seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for index, writer in enumerate(writers):
        rng = random.Random(seed + index)
        slots = plan[:]
        rng.shuffle(slots)
        rows = [brief(rng, writer, n + 1, slot) for n, slot in enumerate(slots)]
        with open(out / f"{writer}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
