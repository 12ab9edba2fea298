"""Build my story: guided questions -> a draft in the writer's own words -> scored.

The questions come from ``coach/data/builder.yaml``. Answers are saved to the database as
they are typed (one record per story type), so a reload or a closed tab loses nothing.
The assembled draft is an ordinary draft: it can be opened in Write & score and rehearsed.
"""

from __future__ import annotations

import streamlit as st

from coach.coaching import builder
from coach.coaching.builder import Question
from coach.coaching.examples import EXAMPLE_ANSWERS
from coach.errors import CoachError
from coach.text.draft import spoken
from ui import components, context, state
from ui.analysis import analyse
from ui.components import esc, story_label
from ui.context import AppContext


def render() -> None:
    ctx = context.load()
    st.title("Build my story")
    st.caption(
        "Answer one question at a time, in your own words. Your answers are saved as you go "
        "and joined, in story order, into a draft — we never add words of our own."
    )
    types = builder.story_types()
    if state.widget_value("build.story_type") not in types:
        default = ctx.settings.default_story_type
        state.seed("build.story_type", default if default in types else types[0])
    story_type = st.selectbox(
        "What are you building?",
        types,
        format_func=story_label,
        key=state.widget("build.story_type"),
    )
    questions = builder.questions_for(story_type)
    _load_answers(ctx, story_type, questions)
    progress = st.container()
    answers = {}
    for number, question in enumerate(questions, 1):
        answers[question.id] = st.text_area(
            f"{number}. {question.prompt}",
            key=state.widget("build.answer", story_type, question.id),
            placeholder=question.hint,
            help=question.hint,
            height=110,
            on_change=_keep,
            args=(ctx, story_type, questions),
        )
    _autosave(ctx, story_type, answers)
    done, total = builder.progress(story_type, answers)
    with progress:
        st.progress(done / total, text=f"{done} of {total} questions answered")
        if done == 0:
            st.button(
                "Fill in an example to see how it works",
                icon=":material/lightbulb:",
                on_click=_fill_example,
                args=(story_type, questions),
            )
    draft = builder.assemble(story_type, answers)
    if not draft:
        return
    with st.expander("Your draft so far", expanded=False):
        st.text(draft, width="stretch")
    result = state.get("builder_result")
    shown = result is not None and result[0] == story_type
    if st.button("Score my story", type="primary", icon=":material/insights:") or (
        shown and result[2] != draft  # keep the scored draft in step with the answers
    ):
        _save_draft(ctx, story_type, draft)
    result = state.get("builder_result")
    if result and result[0] == story_type:
        _show_result(ctx, story_type, draft, result[1])


def _load_answers(ctx: AppContext, story_type: str, questions: tuple[Question, ...]) -> None:
    """Seed the answer boxes from the database for any this session has not drawn yet."""
    missing = [q for q in questions if not state.has_widget("build.answer", story_type, q.id)]
    if not missing:
        return
    try:
        saved = ctx.workspace.builder(story_type)["answers"]
    except CoachError as exc:
        components.show_error(exc, "load your saved answers")
        saved = {}
    for question in missing:
        state.seed("build.answer", saved.get(question.id, ""), story_type, question.id)
    state.set("builder_saved", (story_type, {q.id: saved.get(q.id, "") for q in questions}))


def _keep(ctx: AppContext, story_type: str, questions: tuple[Question, ...]) -> None:
    """Save an answer as soon as it changes, before any page runs (a click on another page
    commits what was typed, and that page would not save it)."""
    answers = {
        q.id: state.widget_value("build.answer", story_type, q.id, default="") or ""
        for q in questions
        if state.has_widget("build.answer", story_type, q.id)
    }
    _autosave(ctx, story_type, answers)


def _autosave(ctx: AppContext, story_type: str, answers: dict[str, str]) -> None:
    """Save the answers that changed since this session last loaded or saved them."""
    saved_type, saved = state.get("builder_saved") or (None, {})
    before = saved if saved_type == story_type else {}
    changed = {q: text for q, text in answers.items() if before.get(q) != text}
    if not changed:
        return
    try:
        ctx.workspace.save_builder(story_type, changed)
    except CoachError as exc:
        components.show_error(exc, "save your answers")
        return
    state.set("builder_saved", (story_type, dict(answers)))


def _fill_example(story_type: str, questions: tuple[Question, ...]) -> None:
    for question in questions:
        state.seed("build.answer", EXAMPLE_ANSWERS.get(question.id, ""), story_type, question.id)


def _save_draft(ctx: AppContext, story_type: str, draft: str) -> None:
    """The assembled text becomes a new version of this story type's builder draft."""
    try:
        known = ctx.workspace.builder(story_type).get("draft_id")
        if known is not None and known not in {d.id for d in ctx.workspace.my_drafts()}:
            known = None  # the draft was deleted: start a new one
        title = f"{story_label(story_type)} (from the builder)"
        version = ctx.workspace.autosave(title, draft, story_type, known)
        ctx.workspace.save_builder(story_type, {}, version.draft_id)  # answers: autosaved
    except CoachError as exc:
        components.show_error(exc, "save your draft")
        return
    state.set("builder_result", (story_type, version.draft_id, draft))


def _show_result(ctx: AppContext, story_type: str, draft: str, draft_id: int) -> None:
    try:
        analysis = analyse(draft, story_type, ctx.settings)
    except CoachError as exc:
        components.show_error(exc, "score your story")
        return
    report = analysis.report
    with st.container(border=True):
        left, right = st.columns([1, 2], gap="large")
        with left:
            st.metric("Overall", components.overall_label(report))
            st.metric("Speaking time", spoken(report.speaking_time_s))
            if st.button("Open in Write & score", icon=":material/edit_note:"):
                state.set("draft_id", draft_id)
                for name in ("editor.text", "editor.title", "editor.story_type"):
                    state.forget_widget(name)
                st.switch_page("ui/pages/write_score.py")
        with right:
            st.altair_chart(components.scores_chart(report), width="stretch")
        _next_steps(story_type, analysis.coached.plan)


def _next_steps(story_type: str, plan) -> None:
    """Only what the builder asked about, each pointed at its question."""
    if plan is None:
        return
    if plan.ready:
        st.success(plan.rehearse, icon=":material/check_circle:")
        return
    found = builder.suggestions(story_type, plan)
    if found:
        st.markdown("**What to work on next**")
    for item in found:
        st.markdown(
            f"**Question {item.number}.** {esc(item.question.prompt)}  \n{esc(item.step.move)}"
        )
    if len(found) < len(plan.steps):
        st.caption("Write & score has more for this draft (its length, its close, how it is told).")


if __name__ == "__main__":
    render()
