"""The one place the app reads and writes ``st.session_state``.

Session state is a global dict keyed by strings, where a typo is a silent bug. Every name
the app keeps per browser session is declared here with its default, so a wrong name fails
loudly and a reader sees in one screen what a session remembers. Anything that must survive
a reload lives in the database instead (see ``coach/storage/workspace.py``).

Widget keys are declared too. A widget owns its value; we only *seed* it before the widget
is drawn (Streamlit refuses a change after that in the same run).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

#: Values the app remembers for one browser session, with their defaults.
_VALUES: dict[str, Any] = {
    "actor": None,  # coach.storage.Actor: the local owner unless someone logs in
    "login_token": None,  # a login's session token (never the password)
    "account_notice": None,  # a join code or personal key, shown once on the Account page
    "prefs": None,  # preferences read from the database once per session
    "llm_api_key": "",  # typed on the settings page; kept in memory only, never stored
    "draft_id": None,  # the draft being written, scored and rehearsed
    "saved": None,  # (draft_id, title, text, story_type) of the last autosave
    "scored_version_id": None,  # the version whose report is already in the database
    "draft_focus": 0,  # bumped by a plan step's "mark its sentences": the draft scrolls there
    "llm_history": [],  # "coach me" turns for the current draft: {"role", "content"}
    "llm_history_draft": None,  # which draft that conversation is about
    "builder_saved": None,  # (story_type, answers) last written to the database
    "builder_result": None,  # the draft id the builder last assembled
    "rehearse_paragraph": 0,  # the teleprompter's current paragraph
    "timer_started": None,  # time.monotonic() when the rehearsal timer started
    "timer_elapsed": 0.0,  # seconds on the timer when it was last stopped
    "stage_report": None,  # (draft_id, StageRun) of the last run finished on the stage
    "recording_saved": None,  # hash of the recording already added to the history
    "review_seen_uploads": None,  # file ids of the workshop upload already scored
    "review_problems": [],  # files of the last upload that could not be read
    "review_export": None,  # (what it was made from, JSON, HTML) of the prepared exports
    "review_row": None,  # (row, column) of the table cell or row last clicked (followed once)
    "library_seen_uploads": None,  # file ids already added to the library
    "library_results": [],  # what the last library upload did, one line per file
}

#: Widget keys (a widget's value lives under its key); a key may take a suffix,
#: e.g. "build.answer.self.choice" for one answer box per story type and question.
_WIDGETS = {
    "editor.text",
    "editor.title",
    "editor.story_type",
    "editor.draft_pick",
    "editor.criterion",
    "editor.version_pick",
    "editor.delete_confirm",
    "editor.llm_question",
    "editor.tighten_pick",
    "build.story_type",
    "build.answer",
    "rehearse.draft_pick",
    "rehearse.font_px",
    "rehearse.show_all",
    "rehearse.stage",  # the keyboard prompter with a large clock instead of the plain one
    "rehearse.target_min",
    "rehearse.recording",
    "rehearse.transcribe",
    "review.workshop",
    "review.new_workshop",
    "review.story_type",
    "review.upload",
    "review.filter_name",
    "review.weak_on",
    "review.min_overall",
    "review.sort",
    "review.table",  # the heatmap table: its selected row opens that participant
    "review.participant",
    "review.criterion",
    "plan.show",  # a plan step's "mark its sentences" button, one per step number
    "review.comment",
    "review.comment_on",  # the sentence a new comment is about ("" for the whole draft)
    "review.tab",
    "review.compare_a",
    "review.compare_b",
    "review.delete_confirm",
    "library.upload",
    "library.query",
    "library.k",
    "library.criterion",
    "library.audience",
    "library.remove_pick",
    "library.remove_confirm",
    "settings.llm_base_url",
    "settings.llm_model",
    "settings.llm_api_key",
    "settings.pace",
    "settings.story_type",
    "settings.rubric_upload",
    "account.email",
    "account.password",
    "account.join_code",
    "account.join_name",
    "account.rejoin_code",
    "account.rejoin_name",
    "account.rejoin_key",
    "account.workshop_pick",
    "account.new_workshop",
}


def _check(name: str) -> None:
    if name not in _VALUES:
        raise KeyError(f"undeclared session value {name!r}: add it to ui/state.py")


def get(name: str) -> Any:
    """The session's value, or its declared default (a fresh copy for lists and dicts)."""
    _check(name)
    if name not in st.session_state:
        default = _VALUES[name]
        st.session_state[name] = default.copy() if isinstance(default, list | dict) else default
    return st.session_state[name]


def set(name: str, value: Any) -> None:  # noqa: A001 - reads as state.set(...)
    _check(name)
    st.session_state[name] = value


def reset(*names: str) -> None:
    """Forget values so they return to their defaults."""
    for name in names:
        _check(name)
        st.session_state.pop(name, None)


def widget(name: str, *suffix: str) -> str:
    """The key for a declared widget, optionally with a suffix (one widget per question...)."""
    if name not in _WIDGETS:
        raise KeyError(f"undeclared widget key {name!r}: add it to ui/state.py")
    return ".".join((name, *suffix))


def has_widget(name: str, *suffix: str) -> bool:
    return widget(name, *suffix) in st.session_state


def widget_value(name: str, *suffix: str, default: Any = None) -> Any:
    return st.session_state.get(widget(name, *suffix), default)


def seed(name: str, value: Any, *suffix: str) -> None:
    """Give a widget its value before it is drawn (e.g. a draft loaded from the database)."""
    st.session_state[widget(name, *suffix)] = value


def forget_widget(name: str, *suffix: str) -> None:
    st.session_state.pop(widget(name, *suffix), None)
