"""Make the situation briefs for the library's question set (run once; the output is committed).

Why a script: issue 14 asks for questions from writers who never saw the cards, the code or
other question sets. Each writer gets only a user type and a short situation per question; the
seeded draw below decides the spread (user types, settings, stages of the work, languages), so
anyone can see and redo that choice. The concerns are situations people are in, not card topics.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent
WRITERS = ["q1", "q2", "q3", "q4", "q5", "q6"]
PER_WRITER = 36  # 12 per user type

USER_TYPES = {
    "campaign lead": "You lead a campaign and write messages (e-mails, leaflets, posts, speeches) "
    "to get people to act.",
    "champion": "You are a volunteer or staff member learning to tell your own story of self "
    "and to speak for the campaign.",
    "trainer": "You run public-narrative workshops and coach other people's stories.",
}

SETTINGS = [
    "a city hospital", "a care home", "a trade union branch", "a tenants' association",
    "a primary school", "a climate group", "a disability rights group", "a faith community",
    "a migrant support network", "a small-town campaign to save the library",
    "a mental-health service redesign", "a public-sector reform programme", "a student union",
    "a food bank", "a community energy co-op", "a patient-safety programme",
]

CONCERNS = {
    "campaign lead": [
        "you must send an e-mail today asking people to come to a meeting",
        "your leaflet is due at the printer tomorrow and feels too wordy",
        "your message opens with statistics and nobody reacts",
        "people agree with you but nobody turns up",
        "sceptics keep repeating a myth about your campaign",
        "you are not sure whom to name as the person who can fix the problem",
        "your call to action lists five things people could do",
        "your social media post gets no replies",
        "senior managers want to put their name on the campaign",
        "you need a two-minute speech for a rally next week",
        "your team's messages all sound like head-office press releases",
        "you must explain why this needs to happen now, not next year",
        "you are asked to translate the campaign message for another community",
        "a local journalist wants a short quote",
        "you worry your message sounds hopeless because the problem is so big",
        "you want to celebrate a small win without sounding complacent",
    ],
    "champion": [
        "you have to tell your story of self at a meeting and think your life is boring",
        "you are a porter / cleaner / volunteer and wonder whether your story counts",
        "you are afraid of sounding like you are bragging",
        "your story involves something painful you are not sure you want to share",
        "you get very nervous speaking and your voice shakes",
        "your story runs to six minutes and the slot is two",
        "you don't know how to get from your own story to what 'we' should do",
        "you were told your story has no clear moment of choice",
        "you are asked to speak in your second language",
        "you forget your words when you stand up",
        "you don't know how to end your story",
        "a colleague says your story sounds rehearsed and fake",
        "you need to tell your story to a hostile audience",
        "you are unsure how much detail about patients or neighbours you may include",
        "you want to practise but have nobody to listen",
        "you have been asked to tell your story on a video call",
    ],
    "trainer": [
        "you are planning a three-hour public-narrative workshop for twenty people",
        "you need a model story of self to show participants before they write",
        "a participant cried while telling a story in a small group",
        "you must give feedback to someone whose story was weak without discouraging them",
        "your session runs online and small groups stall",
        "triads keep running over time",
        "participants keep telling stories with no challenge in them",
        "a participant's story names a colleague in a bad light",
        "you need to explain the difference between story of self, us and now quickly",
        "some participants refuse to talk about themselves",
        "you must review thirty written drafts before the next session",
        "a manager wants to join the workshop and staff go quiet",
        "participants write hope that sounds like wishful thinking",
        "you need to coach someone's delivery, not just their words",
        "you want participants to practise giving each other feedback",
        "the group mixes people from very different cultures and languages",
    ],
}

STAGES = ["before writing anything", "halfway through a draft", "after a practice run",
          "after feedback from someone else", "the night before the event"]

STYLE_HINTS = [
    "as you would type into a search box, a few words",
    "as a full question",
    "as a worried message, one or two sentences, informal",
    "quoting a line from your own draft or situation",
]


def writer_brief(writer: str, rng: random.Random) -> list[dict]:
    """One writer's situations: 12 per user type, settings and concerns drawn without repeats."""
    items = []
    for user_type in USER_TYPES:
        concerns = rng.sample(CONCERNS[user_type], 12)
        for concern in concerns:
            items.append({
                "user_type": user_type,
                "setting": rng.choice(SETTINGS),
                "situation": concern,
                "stage": rng.choice(STAGES),
                "style": rng.choice(STYLE_HINTS),
            })
    rng.shuffle(items)
    for number, item in enumerate(items, 1):
        item["id"] = f"{writer}-{number:02d}"
    if writer in ("q5", "q6"):  # a few questions in Spanish and French (issue 14: e5 serves them)
        for item, language in zip(items[:6], ["es", "fr", "es", "fr", "es", "fr"], strict=False):
            item["language"] = language
    return items


def main() -> None:
    out = HERE / "briefs"
    out.mkdir(exist_ok=True)
    for index, writer in enumerate(WRITERS):
        rng = random.Random(f"questions-{writer}-{index}")
        lines = [json.dumps(item, ensure_ascii=False) for item in writer_brief(writer, rng)]
        (out / f"{writer}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
