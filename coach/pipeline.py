"""The pipeline in one place: text -> Draft -> signals -> Report.

Callers (CLI, app, review, eval) build a Scorer once with ``build_scorer`` and pass it in.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.coaching import Feedback, attach_feedback, build_feedback
from coach.draft import make_draft
from coach.errors import CoachError, InputError
from coach.report import Report
from coach.rubric import STORY_TYPES, load_rubric
from coach.scoring import Scorer
from coach.settings import Settings


def build_scorer(settings: Settings | None = None, *, with_embeddings: bool = True) -> Scorer:
    """The default scorer: the configured rubric plus the offline embedder for genre checks."""
    settings = settings if settings is not None else Settings()
    embedder = None
    if with_embeddings:
        from coach.embeddings import Embedder

        embedder = Embedder()
    return Scorer(load_rubric(settings.rubric_path), embedder=embedder)


def score_text(
    text: str,
    scorer: Scorer,
    *,
    story_type: str | None = None,
    speaking_rate_wpm: int = 135,
    max_words: int | None = 150_000,
) -> Report:
    if story_type is not None and story_type not in STORY_TYPES:
        raise InputError(
            f"unknown story type '{story_type}'; choose one of {', '.join(STORY_TYPES)}"
        )
    draft = make_draft(text, speaking_rate_wpm=speaking_rate_wpm, max_words=max_words)
    return scorer.score(draft, story_type=story_type)


@dataclass(frozen=True)
class Coached:
    """A Report with its feedback attached, and why guidance is missing if it is."""

    report: Report
    feedback: Feedback
    guidance_note: str | None = None

    def to_dict(self) -> dict:
        document = {**self.report.to_dict(), "coaching": self.feedback.to_dict()}
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
    try:
        feedback = build_feedback(report, scorer.rubric, guidance=retriever, draft_text=text)
    except CoachError as exc:
        note = f"Cited guidance is unavailable: {exc}"
        feedback = build_feedback(report, scorer.rubric, draft_text=text)
    return Coached(attach_feedback(report, feedback), feedback, note)
