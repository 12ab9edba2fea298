"""Which fixes a trainer would choose first: a model learned from trainers' plans.

The hand-ordered priorities of session 5 matched trainers' first fixes in 43% of held-out
drafts (50% even with perfect scores), so the order is now learned from trainers' plans for
the labelled corpus (``datasets/drafts/plans``), with the Report each draft would get from a
scorer that never saw its writer. Every possible fix of a draft — a criterion below full
marks, or a whole-draft problem whose signal is present — is one candidate row: which fix it
is for which story type, how weak the scorer thinks the criterion is, how sure it is and how
it compares with the draft's other criteria, and for a whole-draft problem how strongly it
shows (share of third-person sentences, minutes over the slot, asks in the close, hedged
sentences). Three logistic models read the rows:
how likely each candidate is the trainer's first fix, how likely it is among the trainer's
fixes at all, and (per draft) how likely the draft is ready. Deterministic; the weights are
a data file that records the plans' hash.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from coach.report import Report
from coach.scoring.model import Linear
from coach.scoring.rubric import FIXED_CRITERIA, Rubric
from coach.scoring.signals import FIRST_SINGULAR, starts_imperative
from coach.text.draft import Draft

PLANNER_FILE = Path(__file__).parent.parent / "data" / "planner.json"
PLAN_FILE = Path(__file__).parent.parent / "data" / "plan.yaml"
MAX_FIXES = 3
SCHEMA = "planner/v1"
STORY_TYPES = ("self", "us", "now", "narrative", "message")
ISSUES = (
    "not_a_narrative",
    "third_person",
    "no_us",
    "length",
    "list_of_asks",
    "slogan_close",
    "hedging",
)
CANDIDATES = (*FIXED_CRITERIA, *ISSUES)


@lru_cache(maxsize=1)
def plan_data(path: Path = PLAN_FILE) -> dict[str, Any]:
    """Slots, never-asked criteria, problem names and moves (``coach/data/plan.yaml``)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


#: Seconds aloud a trainer would give each story type (a whole-draft "length" compares to it).
SLOTS: dict[str, int] = plan_data()["slots"]

_THIRD = re.compile(r"\b(he|she|his|her|him)\b", re.I)
_CONCRETE = re.compile(r"\d|\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|https?://|@", re.I)


@dataclass(frozen=True)
class DraftSignals:
    """What the planner reads about one draft, computed once from its Report and text."""

    story_type: str
    detected_story_type: str
    scores: dict[str, int]
    maxima: dict[str, int]
    expected: dict[str, float]  # the scorer's expected level, 0-2
    confidence: dict[str, float]
    components: dict[str, bool]
    overall: float  # the scorer's 1-5 rating
    slot_ratio: float  # time aloud / the story type's slot
    first_person_share: float
    third_person_share: float
    third_subject: str
    asks: tuple[str, ...]  # sentences of the close that start with an action verb
    close: str  # the last sentence
    slogan_close: bool  # a short rallying close with nothing concrete in it
    hedged: tuple[str, ...]  # sentences with a hedge
    words: int
    repeated: tuple[str, ...] = ()  # sentences that say an earlier one again, word for word
    sentence_count: int = 1

    @property
    def repeats_itself(self) -> bool:
        """Pasted twice or padded with one line: a rule, not learned (``plan.yaml``)."""
        rule = plan_data()["repetition"]
        n = len(self.repeated)
        return n >= rule["sentences"] and n >= rule["share"] * self.sentence_count

    def available(self, candidate: str) -> bool:
        """A fix can be proposed only where the draft gives it something to be about."""
        if candidate in plan_data()["never"].get(self.story_type, ()):
            return False
        if candidate in FIXED_CRITERIA:
            return candidate in self.scores and self.scores[candidate] < self.maxima[candidate]
        return {
            "not_a_narrative": self.detected_story_type == "non-narrative"
            or not any(self.components.values()),
            "third_person": self.third_person_share > self.first_person_share,
            "no_us": self.story_type in ("us", "narrative") and not self.components.get("us"),
            "length": self.slot_ratio > 1.0,
            "list_of_asks": len(self.asks) >= 2,
            "slogan_close": self.slogan_close,
            "hedging": len(self.hedged) >= 2,
        }[candidate]


def draft_signals(report: Report, rubric: Rubric, draft: Draft, story_type: str) -> DraftSignals:
    sentences = [s.text for s in draft.sentences]
    n = max(len(sentences), 1)
    probabilities = report.extra.get("scorer", {}).get("probabilities", {})
    scores, maxima, expected, confidence = {}, {}, {}, {}
    for c in report.criteria:
        if c.id not in FIXED_CRITERIA:
            continue
        scores[c.id], maxima[c.id], confidence[c.id] = c.score, c.max, c.confidence
        p = probabilities.get(c.id)
        expected[c.id] = float(sum(i * v for i, v in enumerate(p))) if p else float(c.score)
    theirs = [m.group(0).lower() for s in sentences for m in _THIRD.finditer(s)]
    verbs = frozenset(v.lower() for v in rubric.action_verbs)
    tail = sentences[-max(3, len(sentences) // 4) :]
    close = sentences[-1] if sentences else ""
    lexicons = rubric.compiled_lexicons
    overall = report.extra.get("scorer", {}).get("overall_1_to_5", 1 + 4 * report.overall / 100)
    return DraftSignals(
        story_type=story_type,
        detected_story_type=report.detected_story_type,
        scores=scores,
        maxima=maxima,
        expected=expected,
        confidence=confidence,
        components=dict(report.components),
        overall=float(overall),
        slot_ratio=report.speaking_time_s / SLOTS.get(story_type, 120),
        first_person_share=sum(1 for s in sentences if FIRST_SINGULAR.search(s)) / n,
        third_person_share=sum(1 for s in sentences if _THIRD.search(s)) / n,
        third_subject=Counter(theirs).most_common(1)[0][0] if theirs else "",
        asks=tuple(s for s in tail if starts_imperative(s, verbs)),
        close=close,
        slogan_close=is_slogan(close, lexicons),
        hedged=tuple(s for s in sentences if is_hedged(s, lexicons)),
        words=draft.word_count,
        repeated=repeated_sentences(sentences),
        sentence_count=n,
    )


def repeated_sentences(sentences: list[str]) -> tuple[str, ...]:
    """Sentences of four words or more that say an earlier one again, once case, digits and
    punctuation are set aside ("Paragraph 7: we met…" repeats "Paragraph 6: we met…")."""
    seen: set[str] = set()
    again = []
    for sentence in sentences:
        key = " ".join(re.sub(r"[\W\d_]+", " ", sentence.lower()).split())
        if len(key.split()) < 4:
            continue
        if key in seen:
            again.append(sentence)
        seen.add(key)
    return tuple(again)


@lru_cache(maxsize=1)
def _not_hedges_after() -> frozenset[str]:
    return frozenset(plan_data()["not_hedges_after"])


def is_hedged(sentence: str, lexicons: dict) -> bool:
    """A hedge from the rubric's list, read as one: "what sort of day" names a kind of day, "I
    sort of knew" hedges; after a determiner (``plan.yaml``) "sort of" and "kind of" are nouns."""
    hedges = lexicons.get("hedges")
    if hedges is None:
        return False
    after = _not_hedges_after()
    for match in hedges.finditer(sentence):
        before = sentence[: match.start()].split()
        noun = match.group(0).lower().split()[0] in ("sort", "kind")
        if not (noun and before and before[-1].lower().strip("'’\"“(") in after):
            return True
    return False


def is_slogan(sentence: str, lexicons: dict) -> bool:
    """A short close that rallies ("Together we can save Roosevelt!") but names no time, place
    or way to act; the rubric's slogan list is one way in, not the only one."""
    if not sentence or _CONCRETE.search(sentence):
        return False
    short = len(sentence.split()) <= 12
    listed = "slogan" in lexicons and lexicons["slogan"].search(sentence) is not None
    return listed or (short and sentence.rstrip().endswith("!"))


# --- candidate rows ---------------------------------------------------------------------------

_PAIR = [(c, t) for c in CANDIDATES for t in STORY_TYPES]
_CRITERION_COLUMNS = [
    "weakness",
    "missing",
    "unsure",
    "behind_weakest",
    "weaker_ones",
    *[f"weakness_{t}" for t in STORY_TYPES],
]
_ISSUE_COLUMNS = [
    "nn_detected",
    "nn_no_story",
    "nn_overall",
    "tp_third",
    "tp_not_first",
    "length_over",
    "asks",
    "slogan_weak_ask",
    "hedged",
    "hedged_per_100",
]
# Every candidate also sees the scorer's weakness on each criterion of the draft ("challenge"
# at 1 is a first fix when the ask is fine, not when it is missing).
_CONTEXT_COLUMNS = [f"{c}|{o}" for c in CANDIDATES for o in FIXED_CRITERIA]
COLUMNS = (*[f"{c}@{t}" for c, t in _PAIR], *_CRITERION_COLUMNS, *_ISSUE_COLUMNS, *_CONTEXT_COLUMNS)
_INDEX = {name: i for i, name in enumerate(COLUMNS)}


def candidate_rows(signals: DraftSignals) -> tuple[list[str], np.ndarray]:
    """One row per fix the draft makes possible (see ``DraftSignals.available``)."""
    names = [c for c in CANDIDATES if signals.available(c)]
    rows = np.zeros((len(names), len(COLUMNS)))
    # A trainer compares a draft's gaps with each other, a pointwise model cannot: how far
    # each criterion is behind the draft's weakest, and how many are weaker, say it.
    weaknesses = {n: 2.0 - signals.expected[n] for n in names if n in FIXED_CRITERIA}
    weakest = max(weaknesses.values(), default=0.0)
    for row, name in zip(rows, names, strict=True):
        row[_INDEX[f"{name}@{signals.story_type}"]] = 1.0
        for other, value in signals.expected.items():
            row[_INDEX[f"{name}|{other}"]] = 2.0 - value
        if name in FIXED_CRITERIA:
            weakness = weaknesses[name]
            row[_INDEX["weakness"]] = weakness
            row[_INDEX["missing"]] = float(signals.scores[name] == 0)
            row[_INDEX["unsure"]] = 1.0 - signals.confidence[name]
            row[_INDEX["behind_weakest"]] = weakest - weakness
            row[_INDEX["weaker_ones"]] = sum(w > weakness + 0.1 for w in weaknesses.values())
            row[_INDEX[f"weakness_{signals.story_type}"]] = weakness
        else:
            for column, value in _issue_values(name, signals).items():
                row[_INDEX[column]] = value
    return names, rows


def _issue_values(name: str, s: DraftSignals) -> dict[str, float]:
    if name == "not_a_narrative":
        return {
            "nn_detected": float(s.detected_story_type == "non-narrative"),
            "nn_no_story": float(not any(s.components.values())),
            "nn_overall": 5.0 - s.overall,
        }
    if name == "third_person":
        return {"tp_third": s.third_person_share, "tp_not_first": 1.0 - s.first_person_share}
    if name == "length":
        return {"length_over": math.log(s.slot_ratio)}
    if name == "list_of_asks":
        return {"asks": float(len(s.asks))}
    if name == "slogan_close":
        return {"slogan_weak_ask": 2.0 - s.expected.get("call_to_action", 0.0)}
    if name == "hedging":
        return {
            "hedged": float(len(s.hedged)),
            "hedged_per_100": 100.0 * len(s.hedged) / max(s.words, 1),
        }
    return {}  # no_us: its availability is its signal


READY_COLUMNS = (
    *[f"type_{t}" for t in STORY_TYPES],
    *[f"weakness_{c}_{t}" for c in FIXED_CRITERIA for t in STORY_TYPES],
    "overall",
    "slot_ratio",
    "issues",
    *[f"worst_{t}" for t in STORY_TYPES],
    *[f"missing_{t}" for t in STORY_TYPES],
    *[f"below_full_{t}" for t in STORY_TYPES],
)


def ready_row(signals: DraftSignals) -> np.ndarray:
    """Per draft: is there anything left a trainer would fix?"""
    row = np.zeros(len(READY_COLUMNS))
    index = {name: i for i, name in enumerate(READY_COLUMNS)}
    row[index[f"type_{signals.story_type}"]] = 1.0
    for c, value in signals.expected.items():
        row[index[f"weakness_{c}_{signals.story_type}"]] = 2.0 - value
    row[index["overall"]] = signals.overall
    row[index["slot_ratio"]] = min(signals.slot_ratio, 4.0)
    row[index["issues"]] = sum(signals.available(i) for i in ISSUES if i != "not_a_narrative")
    # One missing element keeps a draft from ready however good the rest is: trainers never
    # called a narrative with no hope at all ready (0 of 110), so the worst one counts alone.
    open_fixes = [c for c in signals.scores if signals.available(c)]
    kind = signals.story_type
    row[index[f"worst_{kind}"]] = max((2.0 - signals.expected[c] for c in open_fixes), default=0.0)
    row[index[f"missing_{kind}"]] = sum(signals.scores[c] == 0 for c in open_fixes)
    row[index[f"below_full_{kind}"]] = len(open_fixes)
    return row


# --- the fitted model -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    candidate: str
    first: float  # probability it is the trainer's first fix (pointwise)
    planned: float  # probability it is among the trainer's fixes


@dataclass(frozen=True)
class PlannerModel:
    first: Linear
    planned: Linear
    ready: Linear
    ready_threshold: float
    planned_threshold: float
    training_data: str = ""

    def rank(self, signals: DraftSignals) -> list[Ranked]:
        names, rows = candidate_rows(signals)
        if not names:
            return []
        first = self.first.positive(rows)
        planned = self.planned.positive(rows)
        order = sorted(range(len(names)), key=lambda i: (-first[i], CANDIDATES.index(names[i])))
        return [Ranked(names[i], float(first[i]), float(planned[i])) for i in order]

    def ready_probability(self, signals: DraftSignals) -> float:
        return float(self.ready.positive(ready_row(signals)[None, :])[0])

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "training_data": self.training_data,
            "columns": list(COLUMNS),
            "ready_columns": list(READY_COLUMNS),
            "first": self.first.to_dict(),
            "planned": self.planned.to_dict(),
            "ready": self.ready.to_dict(),
            "ready_threshold": self.ready_threshold,
            "planned_threshold": self.planned_threshold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlannerModel:
        if data.get("schema") != SCHEMA or data.get("columns") != list(COLUMNS):
            raise ValueError("planner weights do not match this version; run coach train-planner")
        return cls(
            first=Linear.from_dict(data["first"]),
            planned=Linear.from_dict(data["planned"]),
            ready=Linear.from_dict(data["ready"]),
            ready_threshold=float(data["ready_threshold"]),
            planned_threshold=float(data["planned_threshold"]),
            training_data=data.get("training_data", ""),
        )


@lru_cache(maxsize=1)
def planner_model(path: Path = PLANNER_FILE) -> PlannerModel:
    return PlannerModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Choice:
    """What the planner decides for one draft."""

    ready: bool
    fixes: tuple[str, ...] = ()
    # A runner-up nearly as likely to be the trainer's first fix as the one chosen: the plan
    # says so rather than pretend to a certainty it does not have (docs/coaching.md).
    close_call: str = ""

    @property
    def first(self) -> str:
        """The first fix, or "none" for a draft that is ready (as the trainers' plans say)."""
        return self.fixes[0] if self.fixes else "none"


def choose(model: PlannerModel, signals: DraftSignals) -> Choice:
    """The first-ranked fix, then up to two more the model thinks a trainer would also name;
    ready when the model says so or nothing is left to fix. A draft that repeats itself is
    never ready, and the repeats come first."""
    ranked = model.rank(signals)
    if signals.repeats_itself:
        rest = [r.candidate for r in ranked[: MAX_FIXES - 1]]
        return Choice(False, ("repetition", *rest))
    gap = signals.story_type in plan_data()["never_ready_with_a_gap"] and any(
        signals.scores[c] == 0 for c in signals.scores if signals.available(c)
    )
    if not ranked or (not gap and model.ready_probability(signals) >= model.ready_threshold):
        return Choice(True)
    fixes = (ranked[0].candidate, *further_fixes(ranked, model.planned_threshold))
    return Choice(False, fixes, close_call(ranked, fixes))


def close_call(ranked: list[Ranked], fixes: tuple[str, ...]) -> str:
    """The runner-up, when it is itself a later step and at least ``close_call`` (plan.yaml)
    times as likely to be the trainer's first fix as the first one; otherwise "". Never when
    the first fix is a whole-draft problem: a rewrite in "I", or into a story, comes before
    any sentence (a trainer-reviewer's point, docs/coaching.md)."""
    if len(ranked) < 2 or ranked[0].candidate in ISSUES:
        return ""
    top, second = ranked[0], ranked[1]
    if second.candidate not in fixes[1:]:
        return ""
    return second.candidate if second.first >= plan_data()["close_call"] * top.first else ""


def close_call_agreement(pairs: Sequence[tuple[str, Choice]]) -> dict:
    """(trainer's first fix, the planner's choice) pairs: how often the first fix is right
    where the planner says it is a close call and where it does not, and how often the
    trainer chose the runner-up it named."""
    close = [(wanted, c) for wanted, c in pairs if c.close_call]
    clear = [(wanted, c) for wanted, c in pairs if not c.close_call]
    return {
        "close_calls": len(close),
        "first_fix_when_clear": round(_share(clear, lambda w, c: c.first == w), 3),
        "first_fix_when_close": round(_share(close, lambda w, c: c.first == w), 3),
        "runner_up_when_close": round(_share(close, lambda w, c: c.close_call == w), 3),
    }


def _share(pairs, hit) -> float:
    return sum(hit(w, c) for w, c in pairs) / max(len(pairs), 1)


def further_fixes(ranked: list[Ranked], threshold: float) -> list[str]:
    """After the first fix, the others a trainer would most likely also name: the candidates
    most likely to be among the trainer's fixes, not merely the next most likely first fixes
    (a vague ask can be a near-certain second fix while rarely the first)."""
    rest = sorted(ranked[1:], key=lambda r: -r.planned)
    return [r.candidate for r in rest[: MAX_FIXES - 1] if r.planned >= threshold]
