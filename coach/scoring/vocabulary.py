"""The rubric vocabulary: every name a rubric file may use, declared once.

A rubric names signals as ``kind:name``. ``lex:`` and ``re:`` names come from the rubric's own
``lexicons`` and ``patterns``; ``feat:`` and ``doc:`` names, metric names and story types are
the code's side of the contract and are declared here, with what each one observes. Rubric
validation reads these tables, and the implementations (``signals.py`` for sentence features
and whole-draft flags, ``metrics.py`` for metrics) are keyed by them, so a name cannot be
used in a rubric, computed in code or offered in the CLI without being declared here first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: What a signal name may start with, and where its names come from.
SIGNAL_KINDS: dict[str, str] = {
    "lex": "a phrase list under the rubric's 'lexicons'",
    "re": "a named regular expression under the rubric's 'patterns'",
    "feat": "a structural feature of one sentence",
    "doc": "a property of the whole draft",
}

#: ``feat:NAME`` — observed on one sentence.
FEATURES: dict[str, str] = {
    "first_person_singular": "I, me, my…",
    "first_person_plural": "we, us, our, let's…",
    "first_person": "either of the two above",
    "second_person": "you, your…",
    "person_reference": "about people: a pronoun, a name or a people word",
    "past_tense": "a simple-past verb (not a perfect or a passive)",
    "imperative": "opens with one of the rubric's action verbs",
    "number": "a number in digits or words",
    "statistic": "a percentage, money, a rate or a ratio",
    "date_or_time": "a weekday, a month or a clock time",
    "proper_name": "a capitalised word that does not start the sentence",
    "quote": "quoted speech",
    "link_or_contact": "a link, an email address or a phone number",
    "concrete": "at least one concrete anchor (number, date, name, quote)",
    "very_concrete": "two or more concrete anchors",
    "question": "ends with a question mark",
    "heading": "a heading or a label line",
    "in_episode": "inside a told episode: past tense with concrete detail nearby",
}

#: ``doc:NAME`` — a property of the whole draft, in the order they are computed and reported.
#: The counts that decide them are data: the rubric's ``doc_flags`` section.
DOC_FLAGS: dict[str, str] = {
    "procedural": "instructions: many sentences open with a procedural verb, little is narrated",
    "non_narrative_genre": "reference or procedural text rather than a public narrative",
    "narrative": "several sentences narrate what I or we did",
    "statistical": "mostly figures, little narrated",
    "template": "placeholders such as [your name] or {{date}}",
    "short": "too few words to tell a story",
    "hedged": "hedges (maybe, I think…) throughout",
    "fatalistic": "blocking emotion (it's too late…) with no way out",
    "no_story": "no told episode anywhere",
}

#: ``metric: {name: NAME}`` — a number about the whole draft, scored by bands.
METRICS: dict[str, str] = {
    "speaking_time_fit": "seconds it takes to say the draft at the speaking rate",
    "readability_grade": "Flesch-Kincaid grade level",
    "opening_values_first": "2 opens with a value or a story, 1 neither, 0 with statistics",
}

#: The story types a draft may be weighted as; every criterion has a weight for each.
STORY_TYPES: tuple[str, ...] = ("self", "us", "now", "narrative", "message")
DEFAULT_STORY_TYPE = "narrative"
#: The three stories of a public narrative that a Report says are present or not.
COMPONENTS: tuple[str, ...] = ("self", "us", "now")
#: What the scorer may detect besides a story type: not a story, or nothing to score.
NON_NARRATIVE = "non-narrative"
EMPTY = "empty"
DETECTED_STORY_TYPES: tuple[str, ...] = (*STORY_TYPES, NON_NARRATIVE, EMPTY)


def unknown_signal(name: str, lexicons: Iterable[str], patterns: Iterable[str]) -> str | None:
    """Why a ``kind:name`` signal is unknown to a rubric with these lexicons and patterns,
    or None when it is known. The reason is short enough for a one-line error."""
    kind, _, key = name.partition(":")
    known = {
        "lex": set(lexicons),
        "re": set(patterns),
        "feat": set(FEATURES),
        "doc": set(DOC_FLAGS),
    }.get(kind)
    if known is None:
        return f"signals start with {', '.join(k + ':' for k in SIGNAL_KINDS)}"
    if key in known:
        return None
    close = difflib.get_close_matches(key, sorted(known), n=1)
    if close:
        return f"did you mean '{kind}:{close[0]}'?"
    if kind in ("lex", "re"):
        return f"not defined under the rubric's '{'lexicons' if kind == 'lex' else 'patterns'}'"
    return f"{kind}: names are {', '.join(known_names(kind))}"


def known_names(kind: str) -> list[str]:
    """The declared names of a code-side kind (``feat``, ``doc``), in declaration order."""
    return list({"feat": FEATURES, "doc": DOC_FLAGS}[kind])


def unknown_name(value: str, known: Iterable[str], what: str) -> str | None:
    """A one-line reason when ``value`` is not one of ``known`` (a story type, a metric…)."""
    names = list(known)
    if value in names:
        return None
    close = difflib.get_close_matches(value, names, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"choose from {', '.join(names)}"
    return f"unknown {what} '{value}' ({hint})"
