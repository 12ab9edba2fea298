"""Settings: LLM endpoint (with a connection test), speaking pace, default story type, rubric.

Preferences are saved with the person's data, so they hold on any app process. The API key
typed here stays in this browser session's memory only: it is never written anywhere.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from coach.coaching.llm import ChatLLM, display_url
from coach.errors import CoachError
from coach.scoring.rubric import DEFAULT_RUBRIC, STORY_TYPES, load_rubric
from coach.settings import same_endpoint
from coach.storage.db import database_url, redact
from ui import components, context, resources, state
from ui.components import esc, story_label
from ui.context import AppContext, effective_settings


def render() -> None:
    ctx = context.load()
    st.title("Settings")
    _llm(ctx)
    _speaking(ctx)
    _rubric(ctx)
    _data(ctx)


def _llm(ctx: AppContext) -> None:
    settings = ctx.settings
    with st.container(border=True):
        st.subheader("LLM coach (optional)")
        st.caption(
            "Any OpenAI-compatible endpoint: OpenAI, Azure OpenAI, Ollama, vLLM or a llama.cpp "
            "server. Without one, the offline coach does all the coaching."
        )
        if settings.shared:
            where = settings.llm_base_url or "none"
            st.markdown(
                f"Set by whoever runs this server: endpoint **{esc(display_url(where))}**, "
                f"model **{esc(settings.llm_model or 'none')}**."
            )
            return
        if not state.has_widget("settings.llm_base_url"):
            state.seed("settings.llm_base_url", settings.llm_base_url)
            state.seed("settings.llm_model", settings.llm_model)
            state.seed("settings.llm_api_key", state.get("llm_api_key"))
        url, model = st.columns(2)
        base_url = url.text_input(
            "Base URL",
            key=state.widget("settings.llm_base_url"),
            placeholder="http://localhost:11434/v1",
        )
        model_name = model.text_input(
            "Model", key=state.widget("settings.llm_model"), placeholder="llama3.2"
        )
        api_key = st.text_input(
            "API key (if the server needs one)",
            type="password",
            key=state.widget("settings.llm_api_key"),
            help="Kept in memory for this browser session only; never saved. To keep a key, "
            "set COACH_LLM_API_KEY in the environment.",
        )
        if not api_key and settings.llm_api_key.get_secret_value() and not state.get("llm_api_key"):
            st.caption("A key from COACH_LLM_API_KEY is in use.")
        operator = resources.base_settings()
        if operator.llm_api_key.get_secret_value() and not same_endpoint(
            base_url, operator.llm_base_url
        ):
            st.caption(
                "The server's own API key is sent only to the server's own LLM URL; for this "
                "URL, type the key it needs."
            )
        save, test = st.columns(2)
        if save.button("Save", icon=":material/save:", width="stretch"):
            ctx.save_prefs(llm_base_url=base_url.strip(), llm_model=model_name.strip())
            state.set("llm_api_key", api_key)
            st.success("Saved. The key, if any, is kept for this session only.")
        if test.button("Test connection", icon=":material/network_check:", width="stretch"):
            prefs = {**ctx.prefs, "llm_base_url": base_url.strip(), "llm_model": model_name.strip()}
            candidate = effective_settings(
                resources.base_settings(), prefs, api_key or state.get("llm_api_key")
            )
            with st.spinner("Asking the server…"):
                try:
                    check = ChatLLM.from_settings(candidate).check_connection()
                except CoachError as exc:
                    components.show_error(exc)
                else:
                    st.success(esc(check.message), icon=":material/check_circle:")


def _speaking(ctx: AppContext) -> None:
    settings = ctx.settings
    with st.container(border=True):
        st.subheader("Speaking and stories")
        if not state.has_widget("settings.pace"):
            state.seed("settings.pace", settings.speaking_rate_wpm)
            state.seed("settings.story_type", settings.default_story_type)
        pace, kind = st.columns(2)
        pace.slider(
            "Speaking pace (words per minute)",
            90,
            200,
            step=5,
            key=state.widget("settings.pace"),
            on_change=_save_speaking,
            args=(ctx,),
            help="Used for speaking-time estimates. Conversational pace is 120–150.",
        )
        kind.selectbox(
            "Default story type",
            STORY_TYPES,
            format_func=story_label,
            key=state.widget("settings.story_type"),
            on_change=_save_speaking,
            args=(ctx,),
        )


def _save_speaking(ctx: AppContext) -> None:
    ctx.save_prefs(
        speaking_rate_wpm=int(state.widget_value("settings.pace")),
        default_story_type=state.widget_value("settings.story_type"),
    )


def _rubric(ctx: AppContext) -> None:
    with st.container(border=True):
        st.subheader("Rubric")
        try:
            rubric = resources.scorer(ctx.settings).rubric
        except CoachError as exc:
            components.show_error(exc, "load the rubric")
            if st.button("Go back to the default rubric"):
                ctx.save_prefs(rubric_yaml=None, rubric_name=None)
                st.rerun()
            return
        custom = ctx.prefs.get("rubric_name")
        where = f"your rubric file {esc(custom)}" if custom else "the built-in rubric"
        st.markdown(
            f"Scoring with **{esc(rubric.name)}** (version {esc(rubric.version)}), from {where}: "
            f"{len(rubric.criteria)} criteria."
        )
        table = pd.DataFrame(
            [
                {
                    "id": c.id,
                    "name": c.name,
                    "role": c.role,
                    "what it looks for": c.description,
                    "0": c.levels[0],
                    "1": c.levels[1],
                    "2": c.levels[2],
                }
                for c in rubric.criteria
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        path = Path(ctx.settings.rubric_path or DEFAULT_RUBRIC)
        download, default = st.columns(2)
        if path.exists():
            download.download_button(
                "Download this rubric (YAML)",
                path.read_bytes(),
                file_name=path.name,
                mime="application/yaml",
                icon=":material/download:",
            )
        if custom and default.button("Go back to the default rubric", icon=":material/undo:"):
            ctx.save_prefs(rubric_yaml=None, rubric_name=None)
            st.rerun()
        upload = st.file_uploader(
            "Use your own rubric file",
            type=["yaml", "yml"],
            max_upload_size=1,
            key=state.widget("settings.rubric_upload"),
            help="Start from the downloaded rubric and edit it: criteria are data.",
        )
        if upload is not None:
            _try_rubric(ctx, upload.name, upload.getvalue())


def _try_rubric(ctx: AppContext, name: str, data: bytes) -> None:
    """Validate an uploaded rubric; a bad one is reported with its file and criterion."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        st.error(f"{esc(name)}: not a UTF-8 text file.")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_text(text, encoding="utf-8")
        try:
            rubric = load_rubric(path)
        except CoachError as exc:
            st.error(f"This rubric cannot be used: {esc(exc)}", icon=":material/rule:")
            return
    if ctx.prefs.get("rubric_yaml") != text:
        ctx.save_prefs(rubric_yaml=text, rubric_name=Path(name).name)
        st.rerun()
    st.success(f"Using {esc(rubric.name)} ({len(rubric.criteria)} criteria) from {esc(name)}.")


def _data(ctx: AppContext) -> None:
    settings = ctx.settings
    with st.container(border=True):
        st.subheader("Your data")
        library = settings.chroma_url or str(settings.data_dir / "chroma")
        st.markdown(
            f"- Data directory: `{settings.data_dir}`\n"
            f"- Drafts and versions: `{redact(database_url(settings))}`\n"
            f"- Library (vector store): `{library}`\n"
            f"- Drafts you have: {len(ctx.workspace.my_drafts())}"
        )
        st.download_button(
            "Download my data (JSON)",
            ctx.workspace.export_json,  # built only when clicked
            file_name="narrative-coach-my-data.json",
            mime="application/json",
            on_click="ignore",
            icon=":material/download:",
            help="Your drafts with every version and score, your preferences, builder answers "
            "and workshop reviews.",
        )
        st.caption("Set COACH_DATA_DIR to move everything; see docs/storage.md for backups.")


if __name__ == "__main__":
    render()
