"""Things built once per process and shared by every session: database, scorer, library.

Each cache is keyed by plain values (a URL, a path), never by a Settings object, so two
configurations in one process (tests with their own data directories, a custom rubric)
get their own resources. Nothing here holds a person's data: that is in the database, so
several app processes behind a load balancer see the same state.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from coach.services import Services, build_services
from coach.settings import Settings
from coach.storage import Access, Database, Drafts, Records

if TYPE_CHECKING:  # imported when first used, so the first page paints sooner
    from coach.library.retrieve import Retriever
    from coach.scoring.engine import Scorer


def base_settings() -> Settings:
    """Settings from the environment (COACH_*); cheap, so read on every run."""
    return Settings()


@st.cache_resource(show_spinner=False)
def _services(data_dir: str, database: str, chroma_url: str, corpus_dir: str) -> Services:
    settings = Settings(
        data_dir=Path(data_dir),
        database_url=database,
        chroma_url=chroma_url,
        corpus_dir=Path(corpus_dir),
    )
    return build_services(settings)


def services(settings: Settings) -> Services:
    """The process's services for this configuration (the rubric aside, see :func:`scorer`)."""
    return _services(
        str(settings.data_dir), settings.database_url, settings.chroma_url, str(settings.corpus_dir)
    )


def database(settings: Settings) -> Database:
    return services(settings).db


def drafts(settings: Settings) -> Drafts:
    return services(settings).drafts


def records(settings: Settings) -> Records:
    return services(settings).records


def access(settings: Settings) -> Access:
    return services(settings).access


@st.cache_resource(show_spinner="Loading the scorer (first time only)…")
def _scorer(rubric_path: str) -> Scorer:
    """The scorer for a rubric (the embedder is shared by every scorer and the library)."""
    return build_services(Settings(rubric_path=rubric_path or None)).scorer


def scorer(settings: Settings) -> Scorer:
    return _scorer(str(settings.rubric_path or ""))


@st.cache_resource(show_spinner="Preparing the guidance library (first run only)…")
def _retriever(data_dir: str, chroma_url: str, corpus_dir: str) -> Retriever:
    retriever = _services(data_dir, "", chroma_url, corpus_dir).retriever
    retriever.sync_corpus()
    return retriever


def retriever(settings: Settings) -> Retriever:
    return _retriever(str(settings.data_dir), settings.chroma_url, str(settings.corpus_dir))


def rubric_file(settings: Settings, yaml_text: str) -> Path:
    """A custom rubric's text as a file under the data directory, named by its hash.

    The text itself is kept in the person's preferences (in the database), so any app
    process can recreate the file.
    """
    digest = hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()[:16]
    folder = settings.ensure_data_dir() / "rubrics"
    folder.mkdir(exist_ok=True)
    path = folder / f"custom-{digest}.yaml"
    if not path.exists():
        temporary = path.with_suffix(".tmp")
        temporary.write_text(yaml_text, encoding="utf-8")
        temporary.replace(path)
    return path


# -- warm start ------------------------------------------------------------------------------

_WARM: dict = {"state": "idle", "started": None, "seconds": None, "error": None}
_WARM_LOCK = threading.Lock()


def warm_up(settings: Settings) -> None:
    """Load the scorer's models and open the guidance library in the background, once per
    process, as soon as the app starts: the first person to press Score does not wait for
    them. Pages read :func:`warm_state` to say honestly what is still loading."""
    with _WARM_LOCK:
        if _WARM["state"] != "idle":
            return
        _WARM.update(state="loading", started=time.monotonic())

    def run() -> None:
        from coach.coaching.coached import coach_text
        from coach.text.draft import make_draft

        try:
            text = "We met on Tuesday. I chose to speak."
            ready = scorer(settings)
            coach_text(ready.score(make_draft(text)), ready, text)  # planner, illustrations
            retriever(settings)
            _WARM.update(state="ready", seconds=round(time.monotonic() - _WARM["started"], 1))
        except Exception as exc:  # noqa: BLE001 — the page will load them itself and say why
            _WARM.update(state="failed", error=f"{type(exc).__name__}: {exc}")

    threading.Thread(target=run, name="coach-warm-up", daemon=True).start()


def warm_state() -> dict:
    """``state`` (idle, loading, ready, failed), seconds since it started or taken."""
    found = dict(_WARM)
    if found["state"] == "loading" and found["started"] is not None:
        found["seconds"] = round(time.monotonic() - found["started"], 1)
    return found
