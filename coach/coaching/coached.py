"""A Report with its coaching attached: the last step of text -> Draft -> Report -> coaching.

Scoring never depends on the library; this step adds the library's citations when it can.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.coaching.feedback import Feedback, attach_feedback, build_feedback
from coach.coaching.illustrations import choose_illustrations
from coach.coaching.plan import CoachingPlan, build_plan, follow_plan
from coach.errors import CoachError
from coach.report import Report
from coach.scoring.engine import Scorer
from coach.text.draft import make_draft


@dataclass(frozen=True)
class Coached:
    """A Report with its feedback attached, and why guidance is missing if it is."""

    report: Report
    feedback: Feedback
    guidance_note: str | None = None
    plan: CoachingPlan | None = None

    def to_dict(self) -> dict:
        document = {**self.report.to_dict(), "coaching": self.feedback.to_dict()}
        if self.plan is not None:
            document["coaching"]["plan"] = self.plan.to_dict()
        if self.guidance_note:
            document["coaching"]["guidance_note"] = self.guidance_note
        return document


def coach_text(report: Report, scorer: Scorer, text: str, retriever=None) -> Coached:
    """Rule-based feedback for a Report, citing the library when a retriever is given.

    Scoring never depends on the library: if it cannot be searched (a read-only data
    directory, an unreachable Chroma server), the feedback comes without citations and
    ``guidance_note`` says why.
    """
    note = None
    encoder = getattr(scorer, "sentence_encoder", None)
    weak = [c.id for c in report.criteria if c.score < c.max]
    sentences = [s.text for s in make_draft(text).sentences]
    shown = choose_illustrations(sentences, weak, encoder.embed if encoder else None)
    try:
        feedback = build_feedback(
            report, scorer.rubric, guidance=retriever, draft_text=text, illustrations=shown
        )
    except CoachError as exc:
        note = f"Cited guidance is unavailable: {exc}"
        feedback = build_feedback(report, scorer.rubric, draft_text=text, illustrations=shown)
    plan = build_plan(report, scorer.rubric, text, feedback, illustrations=shown)
    feedback = follow_plan(feedback, report, plan, scorer.rubric)
    return Coached(attach_feedback(report, feedback), feedback, note, plan)
