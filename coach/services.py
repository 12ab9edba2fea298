"""The services wiring: every long-lived part built in one place, from one Settings.

The app keeps one :class:`Services` per configuration (``st.cache_resource``); each CLI
command builds one for its run. Each part is made on first use, so a command that only
reads the database never loads the embedding model, and the scorer and the library share
one embedder instead of borrowing each other's.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from coach.settings import Settings

if TYPE_CHECKING:
    from coach.coaching.coached import Coached
    from coach.library.retrieve import Retriever
    from coach.library.store import Store
    from coach.report import Report
    from coach.scoring.engine import Scorer
    from coach.scoring.learned import LearnedScorer
    from coach.storage import Access, Database, Drafts, Records, Workshops
    from coach.text.embeddings import Embedder


class Services:
    """The embedder, scorer, library, coach and storage for one configuration."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def embedder(self) -> Embedder:
        return _shared_embedder()

    @cached_property
    def scorer(self) -> Scorer | LearnedScorer:
        return self.scorer_for(self.settings.rubric_path)

    def scorer_for(self, rubric_path: Path | None) -> Scorer | LearnedScorer:
        """A scorer for another rubric (a trainer's own), on the same embedder."""
        from coach.scoring.pipeline import build_scorer

        return build_scorer(
            self.settings.model_copy(update={"rubric_path": rubric_path}), embedder=self.embedder
        )

    @cached_property
    def store(self) -> Store:
        from coach.library.store import Store

        return Store.open(self.settings, self.embedder.model_id, self.embedder.dimension)

    @cached_property
    def retriever(self) -> Retriever:
        from coach.library.retrieve import Retriever

        return Retriever(self.store, self.embedder, self.settings.corpus_dir)

    def coach(self, report: Report, text: str, *, cited: bool = True) -> Coached:
        """Coaching for a scored draft, citing the library unless ``cited`` is False."""
        from coach.coaching.coached import coach_text

        return coach_text(report, self.scorer, text, self.retriever if cited else None)

    @cached_property
    def db(self) -> Database:
        from coach.storage import Database

        return Database.from_settings(self.settings)

    @cached_property
    def access(self) -> Access:
        from coach.storage import Access
        from coach.storage.secret import server_key

        return Access(self.db, code_key=server_key(self.settings))

    @cached_property
    def drafts(self) -> Drafts:
        from coach.storage import Drafts

        return Drafts(self.db)

    @cached_property
    def records(self) -> Records:
        from coach.storage import Records

        return Records(self.db)

    @cached_property
    def workshops(self) -> Workshops:
        from coach.storage import Workshops

        return Workshops(self.db)


@lru_cache(maxsize=1)
def _shared_embedder() -> Embedder:
    """One MiniLM per process: it is read-only and deterministic, and every configuration
    (another rubric, another data directory) embeds the same way."""
    from coach.text.embeddings import Embedder

    return Embedder()


def build_services(settings: Settings | None = None) -> Services:
    """The services for ``settings`` (default: from the environment, ``COACH_*``)."""
    return Services(settings if settings is not None else Settings())
