"""One result shape: the Report every consumer reads (CLI, app, exports, storage).

Frozen dataclasses with character offsets into the draft. The JSON form is versioned
(``narrative-coach/report/v1``); add keys, never rename them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "narrative-coach/report/v1"


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    text: str
    signal: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "signal": self.signal}


@dataclass(frozen=True)
class Citation:
    """A guidance passage and where it came from; filled in by the coaching step."""

    text: str
    source: str
    locator: str
    chunk_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "source": self.source,
            "locator": self.locator,
            "chunk_id": self.chunk_id,
        }


@dataclass(frozen=True)
class CriterionScore:
    id: str
    name: str
    score: int
    max: int
    confidence: float
    reason: str
    evidence: tuple[Evidence, ...]
    weight: float
    feedback: str = ""
    guidance: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "score": self.score,
            "max": self.max,
            "confidence": self.confidence,
            "reason": self.reason,
            "weight": self.weight,
            "evidence": [e.to_dict() for e in self.evidence],
            "feedback": self.feedback,
            "guidance": [g.to_dict() for g in self.guidance],
        }


@dataclass(frozen=True)
class Report:
    story_type: str
    detected_story_type: str
    language: str
    word_count: int
    speaking_time_s: int
    overall: int
    components: dict[str, bool]
    criteria: tuple[CriterionScore, ...]
    rubric_id: str
    rubric_version: str
    notes: tuple[str, ...] = ()
    nothing_to_score: bool = False
    prompt_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def assessed(self) -> bool:
        """False for an empty draft or one the scorer declined (another language, too short):
        its zeros are not judgements, so nothing should coach, rank or average them."""
        return is_assessed({"nothing_to_score": self.nothing_to_score, "extra": self.extra})

    @property
    def why_not_assessed(self) -> str:
        """The one-line reason a declined draft has no scores ("" when it was assessed)."""
        if self.nothing_to_score:
            return "Nothing to score: the draft is empty."
        return "" if self.assessed else (self.notes[0] if self.notes else "Not assessed.")

    def criterion(self, criterion_id: str) -> CriterionScore:
        for item in self.criteria:
            if item.id == criterion_id:
                return item
        raise KeyError(criterion_id)

    def scores(self) -> dict[str, int]:
        return {c.id: c.score for c in self.criteria}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Read back a stored ``to_dict()`` (schema v1), e.g. from a saved draft version."""
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} report: schema {data.get('schema')!r}")
        criteria = tuple(
            CriterionScore(
                id=c["id"],
                name=c["name"],
                score=int(c["score"]),
                max=int(c["max"]),
                confidence=float(c["confidence"]),
                reason=c.get("reason", ""),
                evidence=tuple(
                    Evidence(e["start"], e["end"], e["text"], e.get("signal", ""))
                    for e in c.get("evidence", ())
                ),
                weight=float(c.get("weight", 0.0)),
                feedback=c.get("feedback", ""),
                guidance=tuple(
                    Citation(g["text"], g["source"], g["locator"], g.get("chunk_id", ""))
                    for g in c.get("guidance", ())
                ),
            )
            for c in data["criteria"]
        )
        rubric = data.get("rubric") or {}
        return cls(
            story_type=data["story_type"],
            detected_story_type=data.get("detected_story_type", data["story_type"]),
            language=data["language"],
            word_count=int(data["word_count"]),
            speaking_time_s=int(data["speaking_time_s"]),
            overall=int(data["overall"]),
            components=dict(data["components"]),
            criteria=criteria,
            rubric_id=rubric.get("id", ""),
            rubric_version=rubric.get("version", ""),
            notes=tuple(data.get("notes", ())),
            nothing_to_score=bool(data.get("nothing_to_score", False)),
            prompt_version=data.get("prompt_version"),
            extra=dict(data.get("extra", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "story_type": self.story_type,
            "detected_story_type": self.detected_story_type,
            "language": self.language,
            "word_count": self.word_count,
            "speaking_time_s": self.speaking_time_s,
            "overall": self.overall,
            "components": dict(self.components),
            "nothing_to_score": self.nothing_to_score,
            "notes": list(self.notes),
            "rubric": {"id": self.rubric_id, "version": self.rubric_version},
            "prompt_version": self.prompt_version,
            "criteria": [c.to_dict() for c in self.criteria],
            **({"extra": self.extra} if self.extra else {}),
        }


def is_assessed(document: Any) -> bool:
    """``Report.assessed`` for a stored ``to_dict()`` (exports and summaries read those);
    anything that is not a stored report has no scores either."""
    if not isinstance(document, dict):
        return False
    scorer = (document.get("extra") or {}).get("scorer") or {}
    return not document.get("nothing_to_score") and scorer.get("assessed") is not False
