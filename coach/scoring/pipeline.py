"""The scoring pipeline in one place: text -> Draft -> signals -> Report.

Callers (CLI, app, review, eval) build a Scorer once with ``build_scorer`` and pass it in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coach.errors import InputError
from coach.report import Report
from coach.scoring.engine import Scorer
from coach.scoring.learned import LearnedScorer
from coach.scoring.model import ScorerWeights
from coach.scoring.rubric import STORY_TYPES, load_rubric
from coach.settings import Settings
from coach.text.draft import make_draft

if TYPE_CHECKING:
    from coach.text.embeddings import TextEmbedder


def build_scorer(
    settings: Settings | None = None,
    *,
    with_embeddings: bool = True,
    engine: str = "learned",
    embedder: TextEmbedder | None = None,
) -> Scorer | LearnedScorer:
    """The default scorer: the learned model over the configured rubric (docs/scoring.md).

    ``engine="rules"`` gives the rubric's rule engine alone (for comparisons); without
    embeddings there is no learned model either, only the rules' lexical and structural signals.
    """
    settings = settings if settings is not None else Settings()
    rubric = load_rubric(settings.rubric_path)
    if not with_embeddings:
        return Scorer(rubric)
    if embedder is None:
        from coach.text.embeddings import Embedder as MiniLM

        embedder = MiniLM()
    if engine == "rules":
        return Scorer(rubric, embedder=embedder)
    if engine != "learned":
        raise InputError(f"unknown scoring engine '{engine}'; choose learned or rules")
    return LearnedScorer(rubric, ScorerWeights.load(), embedder)


def score_text(
    text: str,
    scorer: Scorer | LearnedScorer,
    *,
    story_type: str | None = None,
    speaking_rate_wpm: int = 135,
    max_words: int | None = 20_000,
) -> Report:
    if story_type is not None and story_type not in STORY_TYPES:
        raise InputError(
            f"unknown story type '{story_type}'; choose one of {', '.join(STORY_TYPES)}"
        )
    draft = make_draft(text, speaking_rate_wpm=speaking_rate_wpm, max_words=max_words)
    return scorer.score(draft, story_type=story_type)
