"""The scoring pipeline in one place: text -> Draft -> signals -> Report.

Callers (CLI, app, review, eval) build a Scorer once with ``build_scorer`` and pass it in.
"""

from __future__ import annotations

from coach.errors import InputError
from coach.report import Report
from coach.scoring.engine import Scorer
from coach.scoring.rubric import STORY_TYPES, load_rubric
from coach.settings import Settings
from coach.text.draft import make_draft


def build_scorer(settings: Settings | None = None, *, with_embeddings: bool = True) -> Scorer:
    """The default scorer: the configured rubric plus the offline embedder for genre checks."""
    settings = settings if settings is not None else Settings()
    embedder = None
    if with_embeddings:
        from coach.text.embeddings import Embedder

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
