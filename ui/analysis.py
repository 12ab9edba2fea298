"""Score a text and coach it, cached: the same text, type, pace and rubric give the same answer.

The library does the work (``score_text`` and ``coach_text``); this module only caches it
per process, so moving a slider or switching the highlighted criterion does not score the
draft again. If the guidance library cannot be opened or read, the feedback still comes,
without citations, and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from coach.coaching.coached import Coached, coach_text
from coach.coaching.feedback import Feedback
from coach.errors import CoachError
from coach.report import Report
from coach.scoring.pipeline import score_text
from coach.settings import Settings
from ui import resources


@dataclass(frozen=True)
class Analysis:
    report: Report  # as scored (no feedback lines): what the page draws
    coached: Coached  # the same Report with feedback and citations attached

    @property
    def feedback(self) -> Feedback:
        return self.coached.feedback

    @property
    def guidance_problem(self) -> str | None:
        return self.coached.guidance_note

    def stored_report(self) -> dict:
        """The Report with feedback and citations filled in: what we keep with the version."""
        return self.coached.to_dict()


def analyse(text: str, story_type: str, settings: Settings) -> Analysis:
    return _analyse(
        text,
        story_type,
        settings.speaking_rate_wpm,
        settings.max_words,
        str(settings.rubric_path or ""),
        str(settings.data_dir),
        settings.chroma_url,
        str(settings.corpus_dir),
        library_version(settings),
    )


def library_version(settings: Settings) -> str:
    """Changes whenever a source is added or removed (by any process), so citations refresh."""
    try:
        return resources.retriever(settings).store.fingerprint()[0]
    except CoachError:
        return "unavailable"


def score_only(text: str, story_type: str, settings: Settings) -> Report:
    """The Report without coaching (workshop tables, exports)."""
    return _score(
        text,
        story_type,
        settings.speaking_rate_wpm,
        settings.max_words,
        str(settings.rubric_path or ""),
    )


@st.cache_data(max_entries=256, show_spinner=False)
def _score(text: str, story_type: str, wpm: int, max_words: int, rubric_path: str) -> Report:
    scorer = resources._scorer(rubric_path)
    return score_text(
        text, scorer, story_type=story_type, speaking_rate_wpm=wpm, max_words=max_words
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _analyse(
    text: str,
    story_type: str,
    wpm: int,
    max_words: int,
    rubric_path: str,
    data_dir: str,
    chroma_url: str,
    corpus_dir: str,
    library_key: str,
) -> Analysis:
    scorer = resources._scorer(rubric_path)
    report = _score(text, story_type, wpm, max_words, rubric_path)
    if not report.assessed:
        return Analysis(report, coach_text(report, scorer, text))
    try:
        library = resources._retriever(data_dir, chroma_url, corpus_dir)
    except CoachError as exc:
        coached = coach_text(report, scorer, text)
        note = f"Cited guidance is unavailable: {exc}"
        return Analysis(report, Coached(coached.report, coached.feedback, note, coached.plan))
    return Analysis(report, coach_text(report, scorer, text, library))
