"""The "coach me" panel: a conversation and suggestions from an LLM, when one is configured.

Everything the LLM writes is a suggestion shown beside the person's text, as plain text
(escaped Markdown), never as HTML. Any failure — no server, a timeout, a stream cut off —
falls back to the rule-based coach, and the person sees why. The draft is saved before any
request (the page autosaves first), and the prompt version that answered is recorded with
the version's report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from coach.coaching.llm_brief import brief_for, report_with_prompt
from coach.coaching.llm_coach import PlanCheck, check_against_plan
from coach.coaching.plain_text import format_plan
from ui import state
from ui.analysis import Analysis
from ui.components import esc
from ui.context import AppContext

if TYPE_CHECKING:  # the LLM client is imported only when an LLM is configured
    from coach.coaching.llm_coach import CoachAnswer, SuggestionStream

OFFLINE_TIGHTEN = (
    "The offline coach does not rewrite text. To tighten a paragraph yourself: keep the one "
    "moment that matters, cut sentences that explain what the story already shows, and end "
    "on the concrete detail."
)


def render(ctx: AppContext, analysis: Analysis, text: str, version_id: int) -> None:
    settings = ctx.settings
    if not settings.llm_configured:
        st.info(
            "**The offline coach is in use.** The coaching shown here comes from the rubric and "
            "the guidance library, with no LLM and nothing sent anywhere. To add a conversation "
            "and suggestions, set `COACH_LLM_BASE_URL` and `COACH_LLM_MODEL`, or fill them in "
            "on the Settings page.",
            icon=":material/wifi_off:",
        )
        st.page_link("ui/pages/settings_page.py", label="Set up an LLM", icon=":material/settings:")
        return
    from coach.coaching.llm import display_url
    from coach.coaching.llm_coach import LLMCoach

    st.caption(
        f"Suggestions from {esc(settings.llm_model)} at {esc(display_url(settings.llm_base_url))}. "
        "They never change your scores or your text."
    )
    draft_id = state.get("draft_id")
    if state.get("llm_history_draft") != draft_id:
        state.set("llm_history", [])
        state.set("llm_history_draft", draft_id)
    history: list[dict[str, str]] = state.get("llm_history")
    for turn in history:
        with st.chat_message(turn["role"]):
            st.markdown(esc(turn["content"]))

    report = analysis.stored_report()
    brief = brief_for(analysis.feedback, text, analysis.coached.plan)
    passages, paragraphs = brief.passages, brief.paragraphs
    rules = format_plan(analysis.coached.plan, analysis.feedback).strip()  # when the LLM cannot
    question = st.chat_input(
        "Ask the coach about this draft…", key=state.widget("editor.llm_question")
    )
    left, right = st.columns(2)
    ask = left.button("Suggest a stronger ask", icon=":material/campaign:")
    pick = right.selectbox(
        "Paragraph to tighten",
        range(len(paragraphs)),
        format_func=lambda i: f"{i + 1}. {paragraphs[i][:70]}…",
        key=state.widget("editor.tighten_pick"),
    )
    tighten = right.button("Tighten this paragraph", icon=":material/compress:")

    def coach() -> LLMCoach:
        return LLMCoach.from_settings(settings)

    answer: CoachAnswer | None = None
    if question:
        with st.chat_message("user"):
            st.markdown(esc(question))
        with st.chat_message("assistant"):
            answer = _stream(
                lambda: coach().stream_coach_me(report, passages, text, history, question), rules
            )
            if answer.source == "llm":
                _show_check(check_against_plan(answer.text, report, passages))
        history += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.text},
        ]
    elif ask:
        with st.container(border=True):
            st.markdown("**Stronger asks to consider** (your draft is unchanged)")
            answer = _stream(lambda: coach().stream_stronger_ask(report, passages, text), rules)
    elif tighten and paragraphs:
        original, suggestion = st.columns(2)
        with original:
            st.markdown("**Your paragraph**")
            st.text(paragraphs[pick], width="stretch")
        with suggestion:
            st.markdown("**A tighter version to consider**")
            answer = _stream(
                lambda: coach().stream_tighten_paragraph(paragraphs[pick]), OFFLINE_TIGHTEN
            )
    if answer is not None and answer.suggestion is not None:
        used = answer.suggestion
        marked, prompt = report_with_prompt(report, used.prompt_id, used.prompt_version)
        ctx.workspace.attach(version_id, marked, report["rubric"]["version"], prompt)


def _show_check(check: PlanCheck) -> None:
    """Say where an answer departs from the offline plan; the answer stays as it is."""
    if check.problems:
        st.warning(
            "Check this answer against the plan: " + "; ".join(check.problems) + ".",
            icon=":material/rule:",
        )


def _stream(open_stream: Callable[[], SuggestionStream], rules: str) -> CoachAnswer:
    from coach.coaching.llm_coach import FallbackStream

    stream = FallbackStream(open_stream, rules)
    st.write_stream(esc(chunk) for chunk in stream)
    answer = stream.answer()
    if answer.source == "rules":
        st.warning(
            f"The LLM did not answer: {esc(answer.llm_error)} The offline coach answers instead.",
            icon=":material/cloud_off:",
        )
        st.text(answer.text, width="stretch")
    elif answer.suggestion is not None:
        st.caption(
            f"{esc(answer.suggestion.model)} · prompt {answer.suggestion.prompt_id} "
            f"v{answer.suggestion.prompt_version}"
        )
    return answer
