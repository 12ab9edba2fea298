"""Report -> feedback a person can act on, without any LLM.

For each criterion below full marks, in order of what will improve the story most:
what is missing or weak (pointing at the sentences concerned), one coaching question,
one or two cited guidance passages from the source library, and a short illustration
of the pattern in our own words. Plus a top-three "next steps" and a one-paragraph
summary for trainers, which follow the coaching plan once there is one
(``coach.coaching.plan.follow_plan``). The same Report and library always give the same
feedback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from coach.coaching.illustrations import Illustration
from coach.report import Citation, CriterionScore, Evidence, Report
from coach.scoring.rubric import Rubric
from coach.text.draft import spoken

MAX_NEXT_STEPS = 3
GUIDANCE_PER_CRITERION = 2


class GuidanceSource(Protocol):
    """Anything that finds cited passages for a criterion (the Retriever does)."""

    def guidance_for(
        self,
        criterion_id: str,
        query_text: str,
        draft_text: str | None = None,
        k: int = 2,
        *,
        draft_vector: Any = None,
    ) -> list[Any]: ...

    def draft_vector(self, draft_text: str) -> Any: ...


@dataclass(frozen=True)
class CriterionFeedback:
    criterion_id: str
    name: str
    score: int
    max: int
    priority: float
    diagnosis: str  # what is missing or weak
    evidence: tuple[Evidence, ...]  # the sentences concerned (empty when nothing was found)
    question: str
    illustration: str
    guidance: tuple[Citation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion_id,
            "name": self.name,
            "score": self.score,
            "max": self.max,
            "priority": self.priority,
            "diagnosis": self.diagnosis,
            "evidence": [e.to_dict() for e in self.evidence],
            "question": self.question,
            "illustration": self.illustration,
            "guidance": [g.to_dict() for g in self.guidance],
        }


@dataclass(frozen=True)
class Feedback:
    items: tuple[CriterionFeedback, ...]
    next_steps: tuple[str, ...]
    trainer_summary: str
    strengths: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "next_steps": list(self.next_steps),
            "strengths": list(self.strengths),
            "trainer_summary": self.trainer_summary,
            "items": [item.to_dict() for item in self.items],
        }


def _citation(passage: Any) -> Citation:
    """Accept a retrieve.Passage (or anything shaped like one) as a Citation."""
    title = getattr(passage, "title", "")
    source = getattr(passage, "source", "")
    cited = f"{title} — {source}" if title and source and title != source else (title or source)
    return Citation(
        text=getattr(passage, "text", ""),
        source=cited,
        locator=getattr(passage, "locator", ""),
        chunk_id=getattr(passage, "chunk_id", ""),
    )


UNSURE_BELOW = 0.55  # the learned scorer's "unsure": coaching asks instead of asserting


def _diagnosis(result: CriterionScore, levels: dict[int, str]) -> str:
    if result.confidence < UNSURE_BELOW:
        where = "the sentence marked" if result.evidence else "the draft"
        return (
            f"Hard to tell from {where}: is it there, and is it plain enough for a listener? "
            f"To earn full marks: {levels[2]}"
        )
    if result.score == 0 and not result.evidence:
        return f"Not found in this draft. To earn full marks: {levels[2]}"
    if result.score == 0:
        return f"{result.reason} To earn full marks: {levels[2]}"
    where = "the sentence marked" if len(result.evidence) == 1 else "the sentences marked"
    if not result.evidence:
        where = "the draft"
    return f"Present but weak in {where}: {levels[result.score]} To earn full marks: {levels[2]}"


def _priority(result: CriterionScore, role: str) -> float:
    """Points still available, weighted for the story type; checks come after core criteria,
    and a criterion the scorer is unsure of after one it is sure needs work."""
    gap = (result.max - result.score) / result.max
    sure = 1.0 if result.confidence >= UNSURE_BELOW else 0.6
    return round(gap * result.weight * (1.0 if role == "core" else 0.4) * sure, 3)


def _illustration(criterion, example: Illustration | None) -> str:
    if example is None:
        return criterion.illustration
    return f"“{example.weak}” → “{example.strong}” ({example.setting}): {example.pattern}"


def build_feedback(
    report: Report,
    rubric: Rubric,
    *,
    guidance: GuidanceSource | None = None,
    draft_text: str | None = None,
    illustrations: Mapping[str, Illustration] | None = None,
) -> Feedback:
    """Feedback for every criterion below full marks, most useful first; a criterion's
    illustration is the bank's closest to the draft when ``illustrations`` has one."""
    if report.nothing_to_score:
        return Feedback(
            (),
            ("Write or paste a draft: start with one moment you remember clearly.",),
            "Empty draft: nothing to review yet.",
            (),
        )
    if not report.assessed:
        return Feedback(
            (),
            (
                "Narrative Coach scores drafts of a few sentences or more in English, Spanish and "
                "French.",
            ),
            report.why_not_assessed,
            (),
        )
    items = []
    weak = [result for result in report.criteria if result.score < result.max]
    draft_vector = None
    if guidance is not None and weak and draft_text and draft_text.strip():
        draft_vector = guidance.draft_vector(draft_text)  # once, not once per criterion
    for result in weak:
        criterion = rubric.criterion(result.id)
        passages: list[Any] = []
        if guidance is not None:
            passages = guidance.guidance_for(
                criterion.id,
                criterion.guidance_query,
                draft_text,
                k=GUIDANCE_PER_CRITERION,
                draft_vector=draft_vector,
            )
        items.append(
            CriterionFeedback(
                criterion_id=result.id,
                name=result.name,
                score=result.score,
                max=result.max,
                priority=_priority(result, criterion.role),
                diagnosis=_diagnosis(result, criterion.levels),
                evidence=result.evidence,
                question=criterion.coaching_question,
                illustration=_illustration(criterion, (illustrations or {}).get(result.id)),
                guidance=tuple(_citation(p) for p in passages[:GUIDANCE_PER_CRITERION]),
            )
        )
    order = {c.id: i for i, c in enumerate(rubric.criteria)}
    items.sort(key=lambda item: (-item.priority, order[item.criterion_id]))
    next_steps = tuple(f"{item.name}: {item.question}" for item in items[:MAX_NEXT_STEPS])
    # A full mark the scorer is unsure of is not called a strength ("Strong on outcome" beside
    # "unsure: 1 or 2, 65% for 1" misled a trainer-reviewer).
    strengths = tuple(
        c.name
        for c in report.criteria
        if c.score == c.max
        and c.confidence >= UNSURE_BELOW
        and rubric.criterion(c.id).role == "core"
    )
    focus = [item.name for item in items[:MAX_NEXT_STEPS]]
    return Feedback(tuple(items), next_steps, trainer_summary(report, focus, strengths), strengths)


def trainer_summary(
    report: Report, focus: Sequence[str], strengths: tuple[str, ...], ready: bool = False
) -> str:
    """One paragraph a trainer can read in ten seconds; ``focus`` names what to coach next,
    in order (the plan's fixes once there is a plan)."""
    present = [k for k, v in report.components.items() if v]
    stories = (
        "tells a story of " + " and ".join(present)
        if present
        else "does not yet tell a story of self, us or now"
    )
    strong = (
        f"Strong on {', '.join(strengths[:4]).lower()}."
        if strengths
        else "No criterion is at full marks yet."
    )
    if ready:
        then = " Ready to tell: rehearse it aloud."
    elif focus:
        then = f" Coach next on {', '.join(name.lower() for name in focus)}."
    else:
        then = " Nothing left to fix on this rubric."
    return (
        f"Overall {report.overall}/100 ({report.word_count} words, about "
        f"{spoken(report.speaking_time_s)} aloud); "
        f"the draft {stories}. {strong}{then}"
    )


def attach_feedback(report: Report, feedback: Feedback) -> Report:
    """The Report with each criterion's feedback line and guidance filled in (JSON v1 fields)."""
    by_id = {item.criterion_id: item for item in feedback.items}
    criteria = []
    for result in report.criteria:
        item = by_id.get(result.id)
        if item is None:
            criteria.append(result)
            continue
        line = f"{item.diagnosis} Ask yourself: {item.question}"
        criteria.append(replace(result, feedback=line, guidance=item.guidance))
    return replace(report, criteria=tuple(criteria))
