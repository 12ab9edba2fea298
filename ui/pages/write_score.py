"""Write & score: the editor, scores with their evidence, coaching, versions, "coach me".

The draft is autosaved (a new version whenever the text or story type changes) before it
is scored, and the report is stored with the version it scored. On a reload the newest
draft comes back from the database.
"""

from __future__ import annotations

import json

import streamlit as st

from coach.coaching import pdf_export
from coach.coaching.examples import EXAMPLE_DRAFT, EXAMPLE_TITLE
from coach.coaching.plain_text import feedback_text
from coach.coaching.word_export import feedback_docx
from coach.errors import CoachError
from coach.report import is_assessed
from coach.scoring.rubric import STORY_TYPES
from coach.storage import Version
from coach.text.diff import changed_words, word_diff
from coach.text.draft import spoken
from ui import components, context, llm_panel, resources, state
from ui.analysis import Analysis, analyse, score_only
from ui.components import esc, story_label
from ui.context import AppContext


def render() -> None:
    ctx = context.load()
    st.title("Write & score")
    _load_editor(ctx)
    bar = st.container()
    title, story_type, typed = _editor(ctx)
    # NUL characters (pasted from a binary file, invisible in the editor) cannot be stored;
    # drop them once, so the saved text and the scored text (its evidence offsets) agree.
    text = typed.replace("\x00", "")
    if text != typed:
        st.caption("Saved without the NUL characters in your text (a database cannot hold them).")
    version_id = _autosave(ctx, title, text, story_type) if text.strip() else None
    with bar:
        _draft_bar(ctx)
    getting_ready = _warming()
    if version_id is None:
        _empty_state()
        return
    try:
        analysis = analyse(text, story_type, ctx.settings)
    except CoachError as exc:
        components.show_error(exc, "score this draft")
        return
    finally:
        getting_ready.empty()  # the models are in (or failed): the caption would mislead
    if state.get("scored_version_id") != version_id:
        report = analysis.report
        ctx.workspace.attach(version_id, analysis.stored_report(), report.rubric_version, None)
        state.set("scored_version_id", version_id)
    versions = ctx.workspace.versions(state.get("draft_id"))
    _summary(analysis, story_type, versions, version_id)
    if analysis.report.assessed:  # else the note above says why there are no scores
        chart, draft = st.columns([2, 3], gap="large")
        with chart:
            st.markdown("**Scores per criterion**")
            st.altair_chart(components.scores_chart(analysis.report), width="stretch")
        with draft:
            criterion = _criterion_picker(analysis)
            components.render_highlighted(text, analysis.report, criterion, key="draft-view")
    _trainer_comments(ctx, state.get("draft_id"))
    coaching, coach_me, history = st.tabs(["Coaching", "Coach me", "Versions"])
    with coaching:
        as_text, as_word, as_pdf = st.columns(3)
        as_text.download_button(
            "Download this feedback (text)",
            feedback_text(analysis.report, analysis.coached.plan, analysis.feedback),
            file_name="narrative-coach-feedback.txt",
            mime="text/plain",
            icon=":material/download:",
            help="Scores with the sentences that earned them, then your plan: to paste into an "
            "e-mail or a document.",
        )
        as_word.download_button(
            "Download as Word (.docx)",
            lambda: feedback_docx(
                analysis.report, analysis.coached.plan, analysis.feedback, text, title
            ),
            file_name="narrative-coach-feedback.docx",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            icon=":material/description:",
            help="The scores, your plan and the draft on a page or two, to share or print.",
        )
        too_large = pdf_export.too_large(text, title)
        as_pdf.download_button(
            "Download as PDF",
            lambda: pdf_export.feedback_pdf(
                analysis.report, analysis.coached.plan, analysis.feedback, text, title
            ),
            file_name="narrative-coach-feedback.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            disabled=bool(too_large),
            help=esc(too_large.capitalize())
            if too_large
            else "The same report as the Word file, ready to print (A4).",
        )
        if analysis.guidance_problem:
            st.warning(esc(analysis.guidance_problem))
        components.render_plan_and_feedback(
            analysis.coached.plan, analysis.feedback, show_in="editor.criterion"
        )
    with coach_me:
        llm_panel.render(ctx, analysis, text, version_id)
    with history:
        _versions(ctx, versions, analysis)


# -- loading and saving ------------------------------------------------------------------


def _load_editor(ctx: AppContext) -> None:
    """Seed the editor from the database when this session has not drawn it yet."""
    if state.has_widget("editor.text"):
        return
    draft_id = state.get("draft_id")
    if draft_id is None:
        mine = ctx.workspace.my_drafts()
        draft_id = mine[0].id if mine else None
    if draft_id is None:
        _start_new(ctx.settings.default_story_type)
        return
    try:
        _open(ctx, draft_id)
    except CoachError:
        _start_new(ctx.settings.default_story_type)


def _open(ctx: AppContext, draft_id: int) -> None:
    info = ctx.workspace.drafts.get_draft(ctx.actor, draft_id)
    version = ctx.workspace.latest(draft_id)
    _seed(info.title, version)


def _seed(title: str, version: Version) -> None:
    state.set("draft_id", version.draft_id)
    state.seed("editor.title", title)
    state.seed("editor.text", version.text)
    story_type = version.story_type if version.story_type in STORY_TYPES else "narrative"
    state.seed("editor.story_type", story_type)
    state.set("saved", (version.draft_id, title, version.text, story_type, version.id))
    state.set("scored_version_id", version.id if version.report else None)


def _start_new(story_type: str, title: str = "", text: str = "") -> None:
    state.set("draft_id", None)
    state.set("saved", None)
    state.set("scored_version_id", None)
    state.seed("editor.title", title)
    state.seed("editor.text", text)
    state.seed("editor.story_type", story_type if story_type in STORY_TYPES else "narrative")


def _keep(ctx: AppContext) -> None:
    """Save the editor as soon as a field changes, before any page runs: a click on another
    page commits what was typed in the same rerun, and that page would not save it (the draft
    then seemed to vanish on coming back)."""
    text = (state.widget_value("editor.text", default="") or "").replace("\x00", "")
    if text.strip():
        _autosave(
            ctx,
            state.widget_value("editor.title", default="") or "",
            text,
            state.widget_value("editor.story_type", default="narrative") or "narrative",
        )


def _autosave(ctx: AppContext, title: str, text: str, story_type: str) -> int | None:
    """Save when anything changed since the last save; returns the id of the version to score."""
    saved = state.get("saved")
    draft_id = state.get("draft_id")
    if saved is None or saved[:4] != (draft_id, title, text, story_type):
        try:
            version = ctx.workspace.autosave(title, text, story_type, draft_id)
        except CoachError as exc:
            components.show_error(exc, "save your draft")
            return None
        state.set("draft_id", version.draft_id)
        saved = (version.draft_id, title, text, story_type, version.id)
        state.set("saved", saved)
    return saved[4]


# -- widgets -----------------------------------------------------------------------------


def _editor(ctx: AppContext) -> tuple[str, str, str]:
    left, right = st.columns([3, 2])
    title = left.text_input(
        "Title",
        key=state.widget("editor.title"),
        placeholder="Untitled draft",
        max_chars=300,
        on_change=_keep,
        args=(ctx,),
    )
    story_type = right.selectbox(
        "Story type",
        STORY_TYPES,
        format_func=story_label,
        key=state.widget("editor.story_type"),
        help="Scores are weighted for the kind of story you are telling.",
        on_change=_keep,
        args=(ctx,),
    )
    text = st.text_area(
        "Your draft",
        key=state.widget("editor.text"),
        on_change=_keep,
        args=(ctx,),
        height=260,
        placeholder="Paste or write your story here: start with one moment you remember clearly.",
        help="Saved automatically as you go; every change is kept as a version.",
    )
    st.button("Score my draft", type="primary", icon=":material/insights:")
    return title, story_type, text


def _draft_bar(ctx: AppContext) -> None:
    """Which draft is open; open another, start a new one, or load the example.

    Other drafts are buttons, not a drop-down: a button holds no value the browser could
    still remember after the draft changed, so nothing ever reopens a draft by itself.
    """
    mine = ctx.workspace.my_drafts()
    current = state.get("draft_id")
    info = next((d for d in mine if d.id == current), None)
    where, pick, new, example = st.columns([3, 1.2, 1, 1], vertical_alignment="center")
    if info is None:
        where.caption("A new draft: it is saved as soon as you write.")
    else:
        where.caption(f"Editing **{esc(info.title)}** · version {info.latest_number}")
    with pick.popover(f"Your drafts ({len(mine)})", icon=":material/folder_open:"):
        if not mine:
            st.caption("Your saved drafts will be listed here.")
        for draft in mine:
            st.button(
                f"{esc(draft.title)} · v{draft.latest_number} · {draft.updated_at:%d %b %H:%M}",
                key=state.widget("editor.draft_pick", str(draft.id)),
                on_click=_open,
                args=(ctx, draft.id),
                disabled=draft.id == current,
                width="stretch",
            )
        if info is not None:
            st.divider()
            sure = st.checkbox(
                f"Delete “{esc(info.title)}” with all {info.latest_number} versions",
                key=state.widget("editor.delete_confirm"),
            )
            st.button(
                "Delete this draft",
                icon=":material/delete:",
                disabled=not sure,
                on_click=_delete,
                args=(ctx, info.id),
                width="stretch",
            )
    new.button("New draft", icon=":material/add:", on_click=_new_draft, args=(ctx,))
    example.button("Example", icon=":material/lightbulb:", on_click=_load_example, args=(ctx,))


def _delete(ctx: AppContext, draft_id: int) -> None:
    """Delete the open draft (after the tick box), then open the next one or a blank page."""
    try:
        ctx.workspace.drafts.delete_draft(ctx.actor, draft_id)
    except CoachError as exc:
        components.show_error(exc, "delete this draft")
        return
    state.seed("editor.delete_confirm", False)
    rest = [d for d in ctx.workspace.my_drafts() if d.id != draft_id]
    if rest:
        _open(ctx, rest[0].id)
    else:
        _start_new(ctx.settings.default_story_type)


def _new_draft(ctx: AppContext) -> None:
    _start_new(ctx.settings.default_story_type)


def _load_example(ctx: AppContext) -> None:
    _start_new("narrative", EXAMPLE_TITLE, EXAMPLE_DRAFT)


def _warming():
    """While the scorer loads in the background (the first minute of a fresh server): a
    caption in a placeholder, so the page can clear it once the scores are in."""
    placeholder = st.empty()
    warm = resources.warm_state()
    if warm["state"] == "loading":
        placeholder.caption(
            f"Getting ready: the scoring models are loading in the background "
            f"({warm['seconds']:.0f} s so far; usually under 10 s). Your draft is saved as you "
            "type; scores appear as soon as the models are in."
        )
    return placeholder


def _empty_state() -> None:
    with st.container(border=True):
        st.markdown(
            "**Start with one moment.** Write or paste a draft and you will see a score for each "
            "part of a public narrative — challenge, choice, outcome, hope, a specific ask — with "
            "the sentences that earned it highlighted, and coaching that cites its sources."
        )
        st.markdown(
            "Not sure what a strong draft looks like? Open the example (the **Example** "
            "button above) and see how it scores, then write your own."
        )


def _criterion_picker(analysis: Analysis) -> str | None:
    options = ["", *(c.id for c in analysis.report.criteria)]
    names = {c.id: f"{c.name} · {c.score}/{c.max}" for c in analysis.report.criteria}
    if state.widget_value("editor.criterion") not in options:
        state.seed("editor.criterion", "")
    chosen = st.selectbox(
        "Show the evidence for",
        options,
        format_func=lambda i: names.get(i, "All criteria"),
        key=state.widget("editor.criterion"),
    )
    return chosen or None


# -- results -----------------------------------------------------------------------------


def _summary(analysis: Analysis, story_type: str, versions: list[Version], now: int) -> None:
    report = analysis.report
    scored = [
        v.report["overall"] for v in versions if v.report and is_assessed(v.report) and v.id != now
    ]
    delta = report.overall - scored[-1] if scored and report.assessed else None
    target = components.TARGET_S.get(story_type, 120)
    overall, words, time, reads = st.columns(4)
    overall.metric(
        "Overall",
        components.overall_label(report),
        delta=delta,
        chart_data=[*scored, report.overall] if scored and report.assessed else None,
        help="The change since your previous scored version; the line shows every version.",
    )
    words.metric("Words", report.word_count)
    time.metric(
        "Speaking time",
        spoken(report.speaking_time_s),
        delta=components.against_target(report.speaking_time_s, target),
        delta_color="off",
        delta_arrow="off",
        help=f"Estimated at your speaking pace (see Settings), against a target of "
        f"{spoken(target)} for a {story_label(story_type).lower()}.",
    )
    reads.metric(
        "Reads as",
        components.SHORT_LABELS.get(report.detected_story_type, report.detected_story_type),
        help="The kind of story the draft reads like (self, us, now, a full narrative, a "
        "campaign message).",
    )
    if report.assessed:
        present = " · ".join(
            f"{'✓' if found else '✗'} story of {part}" for part, found in report.components.items()
        )
        st.caption(f"{present} · weighted as {story_label(story_type).lower()}")
    detected = report.detected_story_type
    if detected in STORY_TYPES and detected != story_type and story_type != "narrative":
        st.caption(
            f"This draft reads like a {story_label(report.detected_story_type).lower()}; "
            "change the story type above if that is what you meant."
        )
    for note in report.notes:
        st.warning(esc(note), icon=":material/info:")


CHART_VERSIONS = 20  # the newest versions shown in the chart


def _versions(ctx: AppContext, versions: list[Version], analysis: Analysis) -> None:
    stored = [(v.number, _report_of(ctx, v)) for v in versions[-CHART_VERSIONS:]]
    scored = [(number, report) for number, report in stored if is_assessed(report)]
    if len(scored) >= 2:
        overall, heat = components.versions_charts(components.versions_frame(scored))
        st.altair_chart(overall, width="stretch")
        st.altair_chart(heat, width="stretch")
    else:
        st.caption("Edit your draft and score it again: this tab then shows how each score moved.")
    reports, assessed = dict(stored), dict(scored)
    rows = [
        {
            "version": v.number,
            "saved": v.created_at.strftime("%Y-%m-%d %H:%M") if v.created_at else "",
            "story type": story_label(v.story_type),
            "words": reports.get(v.number, {}).get("word_count"),
            "overall": assessed.get(v.number, {}).get("overall"),  # none when not judged
        }
        for v in reversed(versions)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    by_number = {v.number: v for v in versions}
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    number = left.selectbox(
        "Go back to a version", list(by_number)[::-1], key=state.widget("editor.version_pick")
    )
    right.button(
        "Restore as newest",
        icon=":material/history:",
        on_click=_restore,
        args=(ctx, by_number[number].id) if number else (ctx, None),
        disabled=number is None or number == versions[-1].number,
    )
    if number is not None and number != versions[-1].number:
        changes = word_diff(by_number[number].text, versions[-1].text)
        removed, added = changed_words(changes)
        st.markdown(
            f"**From version {number} to version {versions[-1].number}:** "
            f"{removed} words out, {added} words in."
        )
        st.html(components.diff_html(changes))
    st.download_button(
        "Download this report (JSON)",
        json.dumps(analysis.stored_report(), indent=2, ensure_ascii=False),
        file_name="narrative-coach-report.json",
        mime="application/json",
        icon=":material/download:",
    )


def _report_of(ctx: AppContext, version: Version) -> dict:
    """The version's stored report; one that was never stored (the person typed on before
    scoring finished) is scored now — the same text always gives the same scores — and kept."""
    if version.report:
        return version.report
    report = score_only(version.text, version.story_type, ctx.settings)
    ctx.workspace.attach(version.id, report.to_dict(), report.rubric_version, None)
    return report.to_dict()


def _trainer_comments(ctx: AppContext, draft_id: int) -> None:
    """Comments a workshop's trainer left on this draft (only for drafts in a workshop)."""
    if ctx.actor.role != "participant":
        return
    comments = ctx.workspace.drafts.list_comments(ctx.actor, draft_id)
    if not comments:
        return
    with st.expander(f"Comments from your trainer ({len(comments)})", expanded=True):
        for comment in comments:
            if comment.quote:
                st.caption(f"On “{esc(comment.quote)}”")
            st.text(comment.body, width="stretch")
            st.caption(f"{esc(comment.author_name)} · {comment.created_at:%Y-%m-%d %H:%M}")


def _restore(ctx: AppContext, version_id: int | None) -> None:
    if version_id is None:
        return
    try:
        version = ctx.workspace.restore(version_id)
        _seed(state.widget_value("editor.title", default=""), version)
    except CoachError as exc:
        components.show_error(exc, "restore that version")


if __name__ == "__main__":
    render()
