"""A whole workshop at a glance, from its export rows: who wrote, how the drafts score per
criterion, where the overall scores lie, what the coaching plans ask first, who is ready.

Pure: it reads the rows ``coach.storage.export.workshop_rows`` gives (with the reports and
coaching the app lays over them, ``coach.workshops.exports.with_report``) and nothing else.
Rows of several versions of one draft (``--all-versions``) count once, by their newest
version. A row without text is a participant with no draft yet; a row with text but no
usable report is a draft that was not scored. The score levels come from the reports (each
criterion's ``max``, and any score seen), never from a fixed 0/1/2.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coach.report import is_assessed

#: The whole-draft problems a coaching plan may put first (``coach/data/plan.yaml``), named.
ISSUE_NAMES = {
    "not_a_narrative": "Not yet a story",
    "third_person": "Told in the third person",
    "no_us": "No “us” named",
    "length": "Too long for the slot",
    "list_of_asks": "Several asks at once",
    "slogan_close": "Ends on a slogan",
    "hedging": "Hedging",
}
#: Overall score bands (0–100) for the distribution.
BANDS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))


@dataclass(frozen=True)
class CriterionSummary:
    """One criterion over the scored drafts: its mean and how many drafts are at each level."""

    id: str
    name: str
    max: int
    mean: float | None  # None when no draft has a score for it
    counts: tuple[tuple[int, int], ...]  # (level, drafts at that level), every level 0..max

    @property
    def scored(self) -> int:
        return sum(n for _, n in self.counts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "max": self.max,
            "mean": self.mean,
            "scored": self.scored,
            "counts": {str(level): n for level, n in self.counts},
        }


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "count": self.count}


@dataclass(frozen=True)
class FixCount:
    """A first fix of the coaching plans (a criterion or a whole-draft problem) and how many
    drafts' plans start with it."""

    id: str
    name: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "count": self.count}


@dataclass(frozen=True)
class WorkshopSummary:
    participants: int  # everyone with a row: a draft, or none yet
    drafts: int  # drafts with text (newest versions)
    scored: int  # of those, with a usable report
    criteria: tuple[CriterionSummary, ...]
    overall_mean: float | None
    overall_bands: tuple[Band, ...]
    planned: int  # scored drafts whose row carries a coaching plan
    ready: int  # of those, the plans that call the draft ready
    first_fixes: tuple[FixCount, ...]  # most common first, then in the order first seen
    without_draft: tuple[str, ...]  # participants with no draft yet, by name

    @property
    def levels(self) -> tuple[int, ...]:
        """Every score level any criterion has, in order (the summary table's columns)."""
        return tuple(sorted({level for c in self.criteria for level, _ in c.counts}))

    @property
    def empty(self) -> bool:
        return self.participants == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "drafts": self.drafts,
            "scored": self.scored,
            "without_draft": list(self.without_draft),
            "criteria": [c.to_dict() for c in self.criteria],
            "overall": {
                "mean": self.overall_mean,
                "bands": [b.to_dict() for b in self.overall_bands],
            },
            "plans": {
                "planned": self.planned,
                "ready": self.ready,
                "first_fixes": [f.to_dict() for f in self.first_fixes],
            },
        }


def summarize(rows: Sequence[dict[str, Any]]) -> WorkshopSummary:
    """The summary of a workshop's export rows (see the module docstring)."""
    people: dict[Any, str] = {}
    drafts: dict[Any, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        people.setdefault(_person_key(row), str(row.get("participant") or ""))
        if row.get("text") is None:
            continue
        key = ("draft", row["draft_id"]) if row.get("draft_id") is not None else ("row", index)
        kept = drafts.get(key)
        if kept is None or _number(row.get("version")) >= _number(kept.get("version")):
            drafts[key] = row
    with_draft = {_person_key(row) for row in drafts.values()}
    without = tuple(name for key, name in people.items() if key not in with_draft)

    scored = [row for row in drafts.values() if _criteria(row)]
    overall = [row["overall"] for row in scored if _is_number(row.get("overall"))]
    plans = [row["plan"] for row in scored if isinstance(row.get("plan"), dict)]
    names = {c["id"]: c["name"] for row in scored for c in _criteria(row)}
    fixes = Counter(
        str(plan.get("first_fix"))
        for plan in plans
        if not plan.get("ready") and plan.get("first_fix") not in (None, "", "none")
    )
    return WorkshopSummary(
        participants=len(people),
        drafts=len(drafts),
        scored=len(scored),
        criteria=_per_criterion(scored),
        overall_mean=round(sum(overall) / len(overall), 1) if overall else None,
        overall_bands=tuple(
            Band(low, high, sum(1 for o in overall if low <= o <= high)) for low, high in BANDS
        ),
        planned=len(plans),
        ready=sum(1 for plan in plans if plan.get("ready")),
        first_fixes=tuple(
            FixCount(fix, names.get(fix) or ISSUE_NAMES.get(fix) or readable(fix), count)
            for fix, count in fixes.most_common()
        ),
        without_draft=without,
    )


def readable(criterion_id: str) -> str:
    """A name people read for an id that came without one: ``call_to_action`` → "Call to
    action"."""
    words = str(criterion_id).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "?"


def _per_criterion(scored: list[dict[str, Any]]) -> tuple[CriterionSummary, ...]:
    order: dict[str, str] = {}  # id -> name, first seen
    tops: dict[str, int] = {}
    seen: dict[str, list[int]] = {}
    for row in scored:
        for item in _criteria(row):
            cid = item["id"]
            order.setdefault(cid, item["name"])
            if _is_int(item.get("max")) and item["max"] >= 0:
                tops[cid] = max(tops.get(cid, 0), item["max"])
            if _is_int(item.get("score")):
                seen.setdefault(cid, []).append(item["score"])
    found = []
    for cid, name in order.items():
        scores = seen.get(cid, [])
        top = max([tops.get(cid, 0), *scores])
        counted = Counter(scores)
        levels = sorted({*range(top + 1), *counted})
        found.append(
            CriterionSummary(
                cid,
                name,
                top,
                round(sum(scores) / len(scores), 2) if scores else None,
                tuple((level, counted.get(level, 0)) for level in levels),
            )
        )
    return tuple(found)


def _criteria(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The row's criteria (id, readable name, score, max) when it has a usable report."""
    report = row.get("report")
    if not is_assessed(report):
        return []
    items = report.get("criteria")
    return [
        {**c, "id": str(c["id"]), "name": str(c.get("name") or readable(c["id"]))}
        for c in items or []
        if isinstance(c, dict) and c.get("id") is not None
    ]


def _person_key(row: dict[str, Any]) -> tuple[str, Any]:
    if row.get("participant_id") is not None:
        return ("person", row["participant_id"])
    return ("name", str(row.get("participant") or ""))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Any) -> float:
    return value if _is_number(value) else -1
