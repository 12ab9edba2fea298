"""Everything a page needs, assembled in one call at the top of the page.

``ctx = context.load()`` gives the effective Settings (environment, then the person's saved
preferences, then the API key typed in this session), who is using the app, and their
workspace in the database. A broken setting or an unreachable database stops the page with
a message that says what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st
from pydantic import ValidationError

from coach.errors import CoachError
from coach.scoring.rubric import STORY_TYPES
from coach.settings import Settings
from coach.storage import Access, Actor, SessionExpired
from coach.storage.workspace import Workspace
from ui import resources, state


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    workspace: Workspace | None  # None: an anonymous visitor of a shared server
    access: Access
    prefs: dict[str, Any]

    @property
    def actor(self) -> Actor | None:
        return self.workspace.actor if self.workspace is not None else None

    @property
    def anonymous(self) -> bool:
        return self.workspace is None

    def save_prefs(self, **changes: Any) -> None:
        """Store preferences (never a key) and use them from the next run on."""
        prefs = self.workspace.save_preferences(changes)
        state.set("prefs", prefs)


def load(*, anonymous_ok: bool = False) -> AppContext:
    """The page's context; on a shared server, a visitor who has not joined or signed in is
    stopped with directions unless the page serves visitors (``anonymous_ok``)."""
    try:
        base = resources.base_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"COACH_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        st.error(f"A setting in the environment is not valid — {problems}")
        st.stop()
    try:
        access = resources.access(base)
        actor = _actor(access, shared=base.shared)
        if actor is None:
            if not anonymous_ok:
                _ask_to_join()
            return AppContext(base, None, access, {})
        workspace = Workspace(resources.drafts(base), resources.records(base), actor)
        prefs = state.get("prefs")
        if prefs is None:
            prefs = workspace.preferences()
            state.set("prefs", prefs)
        settings = effective_settings(base, prefs, state.get("llm_api_key"))
    except CoachError as exc:
        st.error(f"The app cannot open its data: {exc}")
        st.stop()
    return AppContext(settings, workspace, access, prefs)


def effective_settings(base: Settings, prefs: dict[str, Any], api_key: str = "") -> Settings:
    """The environment's settings with the person's preferences and session key on top."""
    update: dict[str, Any] = {}
    if isinstance(prefs.get("speaking_rate_wpm"), int):
        update["speaking_rate_wpm"] = min(250, max(60, prefs["speaking_rate_wpm"]))
    if prefs.get("default_story_type") in STORY_TYPES:
        update["default_story_type"] = prefs["default_story_type"]
    if isinstance(prefs.get("rubric_yaml"), str) and prefs["rubric_yaml"].strip():
        update["rubric_path"] = resources.rubric_file(base, prefs["rubric_yaml"])
    chosen = {
        name: prefs[name].strip()
        if isinstance(prefs.get(name), str) and not base.shared  # shared: the operator's
        else getattr(base, name)
        for name in ("llm_base_url", "llm_model")
    }
    return base.model_copy(update=update).with_llm_endpoint(
        chosen["llm_base_url"], chosen["llm_model"], api_key
    )


def _ask_to_join() -> None:
    st.info(
        "This Narrative Coach is shared. Join your workshop with its code, or sign in as a "
        "trainer, to keep drafts of your own.",
        icon=":material/lock:",
    )
    st.page_link("ui/pages/account.py", label="Join or sign in", icon=":material/login:")
    st.stop()


def _actor(access: Access, *, shared: bool = False) -> Actor | None:
    """Who is using the app: the signed-in person, else (personal mode only) the local owner."""
    actor = state.get("actor")
    if actor is not None:
        return actor
    token = state.get("login_token")
    if token:
        try:
            actor = access.resume(token)
        except SessionExpired:
            state.reset("login_token")
    if actor is None:
        if shared:
            return None  # a visitor of a shared server owns nothing until they join
        actor = access.local_actor()
    state.set("actor", actor)
    return actor
