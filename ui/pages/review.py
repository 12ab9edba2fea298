"""Workshop review: many drafts at once, one heatmap table, then one participant at a time.

Uploaded drafts are kept (each participant's texts are versions of one draft), so the
table, comments and comparisons are still there after a reload, and a second upload of
``ana_v2.txt`` becomes Ana's next version. Scoring is the library's and deterministic.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from coach.coaching.examples import EXAMPLE_WORKSHOP
from coach.errors import CoachError
from coach.report import Report
from coach.scoring.rubric import STORY_TYPES
from coach.storage import Version
from coach.storage.workspace import WorkshopView
from coach.text.draft import make_draft, spoken
from coach.workshops import exports
from coach.workshops.review import collect_items
from coach.workshops.upload import add_texts
from ui import components, context, resources, state
from ui.analysis import analyse, score_only
from ui.components import esc, story_label
from ui.context import AppContext

DEFAULT_WORKSHOP = "My workshop"
UPLOAD_TYPES = ["txt", "md", "docx", "pdf", "html", "htm", "csv"]
MAX_UPLOAD_MB = 20


@dataclass(frozen=True)
class Participant:
    name: str
    versions: list[Version]
    report: Report  # of the newest version

    @property
    def latest(self) -> Version:
        return self.versions[-1]


def render() -> None:
    ctx = context.load()
    st.title("Workshop review")
    st.caption(
        "Upload a workshop's drafts — several files, or a CSV with a name and a text column. "
        "Files named like `ana_v1.txt` and `ana_v2.txt` become two versions of Ana's draft."
    )
    if ctx.actor.role == "participant":
        st.info("Workshop review is for trainers: your drafts are shared with your trainer.")
        return
    record, story_type = _choose_workshop(ctx)
    if not record.is_live:
        _upload(ctx, record, story_type)
    for problem in state.get("review_problems"):
        st.warning(esc(problem), icon=":material/description:")
    if not record.participants:
        if not record.is_live:
            _empty_state(ctx, record, story_type)
        else:
            st.info(
                "No drafts yet. Participants who join with the workshop's code (see Account) "
                "appear here as soon as they write."
            )
        return
    people = _participants(ctx, record)
    if not people:
        st.info("The drafts of this workshop were removed.")
        if not record.is_live:
            _delete(ctx, record)
        return
    criteria = [(c.id, c.name) for c in people[0].report.criteria]
    shown = _table(ctx, people, criteria)
    st.divider()
    _drill_down(ctx, record, shown or people)
    st.divider()
    _exports(ctx, record, people)
    if not record.is_live:
        _delete(ctx, record)


def _delete(ctx: AppContext, record: WorkshopView) -> None:
    """Remove an uploaded workshop and its drafts (export it first if you want to keep it)."""
    with st.expander("Delete this workshop"):
        st.caption(
            f"Deletes “{esc(record.name)}” with all {len(record.participants)} participants' "
            "drafts, scores and comments. Download the export above first to keep a copy."
        )
        sure = st.checkbox("Yes, delete it", key=state.widget("review.delete_confirm", record.name))
        st.button(
            "Delete workshop",
            icon=":material/delete:",
            disabled=not sure,
            on_click=_delete_workshop,
            args=(ctx, record.name),
        )


def _delete_workshop(ctx: AppContext, name: str) -> None:
    try:
        gone = ctx.workspace.delete_workshop(name)
    except CoachError as exc:
        state.set("review_problems", [f"The workshop “{name}” was not deleted: {exc}"])
        return
    st.toast(f"Deleted the workshop “{name}” and {gone} draft{'s' if gone != 1 else ''}.")
    state.set("review_problems", [])
    state.seed("review.delete_confirm", False, name)
    state.seed("review.workshop", UPLOADED + DEFAULT_WORKSHOP)


# -- choosing and filling a workshop ------------------------------------------------------


UPLOADED, IN_APP = "upload:", "app:"


def _choose_workshop(ctx: AppContext) -> tuple[WorkshopView, str]:
    """Uploaded workshops, plus (for a trainer) the workshops participants joined in the app."""
    labels = {UPLOADED + name: name for name in ctx.workspace.workshops() or [DEFAULT_WORKSHOP]}
    live = {}
    if ctx.actor.is_trainer:
        for info in ctx.access.list_workshops(ctx.actor):
            live[IN_APP + str(info.id)] = info
            labels[IN_APP + str(info.id)] = f"{info.name} (participants in the app)"
    if state.widget_value("review.workshop") not in labels:
        state.seed("review.workshop", next(iter(labels)))
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    choice = left.selectbox(
        "Workshop",
        list(labels),
        format_func=labels.__getitem__,
        key=state.widget("review.workshop"),
    )
    middle.text_input(
        "Start another workshop",
        key=state.widget("review.new_workshop"),
        placeholder="Name, then Enter",
        on_change=_new_workshop,
        args=(ctx,),
    )
    story_type = right.selectbox(
        "Score as",
        STORY_TYPES,
        index=0,
        format_func=story_label,
        key=state.widget("review.story_type"),
        help="How uploaded drafts are weighted (drafts written in the app keep their own type).",
    )
    if choice in live:
        return ctx.workspace.live_workshop(live[choice].id, live[choice].name), story_type
    return ctx.workspace.workshop(labels[choice]), story_type


def _new_workshop(ctx: AppContext) -> None:
    name = " ".join(str(state.widget_value("review.new_workshop", default="")).split())[:120]
    if not name:
        return
    try:
        if name not in ctx.workspace.workshops():
            ctx.workspace.save_workshop(WorkshopView(name))
    except CoachError as exc:
        state.set("review_problems", [f"The workshop “{name}” was not created: {exc}"])
        return
    state.seed("review.workshop", UPLOADED + name)
    state.seed("review.new_workshop", "")
    state.set("review_problems", [])


def _upload(ctx: AppContext, record: WorkshopView, story_type: str) -> None:
    files = st.file_uploader(
        "Add drafts",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        max_upload_size=MAX_UPLOAD_MB,
        key=state.widget("review.upload", record.name),  # a fresh uploader per workshop
        help=f"Text, Markdown, Word, PDF or HTML files, or a CSV; up to {MAX_UPLOAD_MB} MB each.",
    )
    if not files:
        return
    seen = (record.name, tuple(f.file_id for f in files))
    if state.get("review_seen_uploads") == seen:
        return
    with tempfile.TemporaryDirectory(prefix="coach-review-") as folder:
        paths = []
        for number, upload in enumerate(files):
            path = Path(folder) / str(number) / Path(upload.name).name
            path.parent.mkdir()
            path.write_bytes(upload.getvalue())
            paths.append(str(path))
        items = list(collect_items(paths))
    _add_items(ctx, record, items, story_type)
    state.set("review_seen_uploads", seen)


def _add_items(ctx: AppContext, record: WorkshopView, items: list, story_type: str) -> None:
    """Score each readable draft and keep it as the newest version of its participant's draft."""
    bar = st.progress(0.0, text="Scoring the drafts…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / total, text=f"Scoring {done} of {total}: {name}")

    fresh = ctx.workspace.workshop(record.name)  # another tab may have added people meanwhile
    problems = add_texts(
        ctx.workspace,
        fresh,
        items,
        story_type,
        lambda text, kind: score_only(text, kind, ctx.settings),
        progress,
    )
    record.id, record.participants, record.comments = fresh.id, fresh.participants, fresh.comments
    bar.empty()
    state.set("review_problems", problems)


def _empty_state(ctx: AppContext, record: WorkshopView, story_type: str) -> None:
    with st.container(border=True):
        st.markdown(
            "**No drafts in this workshop yet.** Upload the drafts your participants wrote: you "
            "get one table of scores per criterion, coaching for each person, room for your "
            "comments, a comparison of revisions, and exports to CSV, JSON and a printable report."
        )
        if st.button("Try it with three example drafts", icon=":material/lightbulb:"):
            from coach.workshops.review import ReviewItem

            items = [
                ReviewItem(name, Path(name).stem, text) for name, text in EXAMPLE_WORKSHOP.items()
            ]
            _add_items(ctx, record, items, story_type)
            st.rerun()


# -- the table ---------------------------------------------------------------------------


def _participants(ctx: AppContext, record: WorkshopView) -> list[Participant]:
    people = []
    for name, draft_id in record.participants.items():
        try:
            versions = ctx.workspace.versions(draft_id)
        except CoachError:
            continue  # deleted elsewhere
        if not versions:
            continue
        latest = versions[-1]
        people.append(
            Participant(name, versions, score_only(latest.text, latest.story_type, ctx.settings))
        )
    return people


def _table(
    ctx: AppContext, people: list[Participant], criteria: list[tuple[str, str]]
) -> list[Participant]:
    """The participants × criteria heatmap, filtered and sorted; returns who is shown."""
    names = dict(criteria)
    search, weak, minimum, order = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    needle = search.text_input("Find a participant", key=state.widget("review.filter_name"))
    weak_on = weak.multiselect(
        "Weak on",
        list(names),
        format_func=names.__getitem__,
        key=state.widget("review.weak_on"),
        placeholder="any criterion",
    )
    floor = minimum.number_input(
        "Overall at least", 0, 100, 0, step=5, key=state.widget("review.min_overall")
    )
    sort_by = order.selectbox(
        "Sort by",
        ["overall", "participant", *names],
        format_func=lambda k: names.get(k, k),
        key=state.widget("review.sort"),
    )
    shown = [
        p
        for p in people
        if needle.casefold() in p.name.casefold()
        and (p.report.overall >= floor or (not p.report.assessed and not floor and not weak_on))
        and (p.report.assessed or not weak_on)
        and all(p.report.criterion(c).score < p.report.criterion(c).max for c in weak_on)
    ]
    frame = pd.DataFrame(
        [
            {
                "participant": p.name,
                "versions": len(p.versions),
                "overall": p.report.overall if p.report.assessed else None,
                "words": p.report.word_count,
                **(p.report.scores() if p.report.assessed else {}),
            }
            for p in shown
        ],
        columns=["participant", "versions", "overall", "words", *names],
    )
    ascending = sort_by == "participant" or sort_by in names
    frame = frame.sort_values(sort_by, ascending=ascending, kind="stable")
    styled = frame.style.map(components.heat_css, subset=list(names))
    labels = {c.id: c.label for c in resources.scorer(ctx.settings).rubric.criteria}
    config = {
        cid: st.column_config.NumberColumn(labels.get(cid, name), help=name, width=66)
        for cid, name in criteria
    }  # short headers in narrow columns: a workshop's whole table fits a laptop's width
    config["overall"] = st.column_config.ProgressColumn(
        "overall", min_value=0, max_value=100, format="%d", width=80
    )
    config["participant"] = st.column_config.TextColumn("participant", pinned=True, width=130)
    config["versions"] = st.column_config.NumberColumn("v.", help="versions", width=34)
    config["words"] = st.column_config.NumberColumn("words", width=52)
    picked = st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        column_config=config,
        on_select="rerun",
        selection_mode=["single-row", "single-cell"],
        key=state.widget("review.table"),
    )
    st.caption(
        f"{len(shown)} of {len(people)} participants · 0 red, 1 amber, 2 green · "
        "click a row to look at that participant below, or a score to see its sentences"
    )
    _follow_click(picked, list(frame["participant"]), set(names))
    order_names = list(frame["participant"])
    return sorted(shown, key=lambda p: order_names.index(p.name))


def _follow_click(picked, order_names: list[str], criteria: set[str]) -> None:
    """A new click on a row opens that participant below; on a score, also marks that
    criterion's sentences in their draft. Only a new click: the person may move on after."""
    selection = picked.selection if picked is not None else None
    rows = list(selection.rows) if selection is not None else []
    cells = [tuple(c) for c in selection.cells] if selection is not None else []
    row, column = (cells[0][0], cells[0][1]) if cells else (rows[0] if rows else None, None)
    clicked = (row, column) if row is not None and 0 <= row < len(order_names) else None
    if clicked == state.get("review_row"):
        return
    state.set("review_row", clicked)
    if clicked is not None:
        state.seed("review.participant", order_names[clicked[0]])
        if clicked[1] in criteria:
            state.seed("review.criterion", clicked[1])


# -- one participant ---------------------------------------------------------------------


def _drill_down(ctx: AppContext, record: WorkshopView, people: list[Participant]) -> None:
    by_name = {p.name: p for p in people}
    if state.widget_value("review.participant") not in by_name:
        state.seed("review.participant", next(iter(by_name)))
    name = st.selectbox(
        "Look at one participant", list(by_name), key=state.widget("review.participant")
    )
    person = by_name[name]
    # Keyed, with labels that never change (no counts in them), so the tab a trainer is on
    # stays open after "Add comment" reruns the page.
    report_tab, compare_tab, comments_tab = st.tabs(
        ["Report & coaching", "Compare versions", "Comments"],
        key=state.widget("review.tab"),
        on_change="rerun",
    )
    with report_tab:
        _participant_report(ctx, person)
    with compare_tab:
        _compare(ctx, person)
    with comments_tab:
        _comments(ctx, record, person)


def _participant_report(ctx: AppContext, person: Participant) -> None:
    latest = person.latest
    try:
        analysis = analyse(latest.text, latest.story_type, ctx.settings)
    except CoachError as exc:
        components.show_error(exc, "score this draft")
        return
    report = analysis.report
    overall, words, time = st.columns(3)
    overall.metric("Overall", components.overall_label(report))
    words.metric("Words", report.word_count)
    time.metric("Speaking time", spoken(report.speaking_time_s))
    chart, draft = st.columns([2, 3], gap="large")
    with chart:
        st.altair_chart(components.scores_chart(report), width="stretch")
    with draft:
        options = ["", *(c.id for c in report.criteria)]
        labels = {c.id: f"{c.name} · {c.score}/{c.max}" for c in report.criteria}
        picked = st.selectbox(
            "Show the evidence for",
            options,
            key=state.widget("review.criterion"),
            format_func=lambda i: labels.get(i, "All criteria"),
        )
        components.render_highlighted(latest.text, report, picked or None, key="review-draft")
    components.render_plan_and_feedback(
        analysis.coached.plan, analysis.feedback, trainer=True, show_in="review.criterion"
    )


def _compare(ctx: AppContext, person: Participant) -> None:
    versions = person.versions
    if len(versions) < 2:
        st.caption(
            f"Only one version of {esc(person.name)}'s draft so far. Upload a revision "
            f"(for example `{esc(person.name)}_v2.txt`) to compare them side by side."
        )
        return
    numbers = [v.number for v in versions]
    left, right = st.columns(2)
    a = left.selectbox(
        "Version", numbers, index=len(numbers) - 2, key=state.widget("review.compare_a")
    )
    b = right.selectbox(
        "with version", numbers, index=len(numbers) - 1, key=state.widget("review.compare_b")
    )
    va = next(v for v in versions if v.number == a)
    vb = next(v for v in versions if v.number == b)
    ra = score_only(va.text, va.story_type, ctx.settings)
    rb = score_only(vb.text, vb.story_type, ctx.settings)
    st.metric(
        "Overall",
        components.overall_label(rb),
        delta=rb.overall - ra.overall if ra.assessed and rb.assessed else None,
        help=f"Version {b} compared with version {a}",
    )
    before = ra.scores()
    deltas = pd.DataFrame(
        [
            {
                "criterion": c.name,
                f"v{a}": before.get(c.id),
                f"v{b}": c.score,
                "change": c.score - before.get(c.id, 0),
            }
            for c in rb.criteria
        ]
    )
    st.dataframe(deltas.style.map(_delta_css, subset=["change"]), hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Version {a}** · {ra.word_count} words")
        components.render_highlighted(va.text, ra, None)
    with right:
        st.markdown(f"**Version {b}** · {rb.word_count} words")
        components.render_highlighted(vb.text, rb, None)


def _delta_css(value: object) -> str:
    if isinstance(value, int | float) and value > 0:
        return "background-color: #d1e7dd; color: #1b1b1b"
    if isinstance(value, int | float) and value < 0:
        return "background-color: #f8d7da; color: #1b1b1b"
    return ""


def _comments(ctx: AppContext, record: WorkshopView, person: Participant) -> None:
    notes = record.comments.get(person.name, [])
    st.caption(
        f"{len(notes)} comment{'' if len(notes) == 1 else 's'} on {esc(person.name)}'s draft"
    )
    for note in notes:
        with st.container(border=True):
            if note.get("quote"):
                st.caption(f"On “{esc(note['quote'])}”")
            st.text(str(note.get("body", "")), width="stretch")
            st.caption(
                f"{esc(note.get('author', ''))} · version {note.get('version', '?')} · "
                f"{esc(str(note.get('at', ''))[:16].replace('T', ' '))}"
            )
    sentences = [s.text for s in make_draft(person.latest.text).sentences]
    options = ["", *dict.fromkeys(sentences)]
    if state.widget_value("review.comment_on") not in options:
        state.seed("review.comment_on", "")
    st.selectbox(
        "About",
        options,
        format_func=lambda s: f"“{s[:90]}{'…' if len(s) > 90 else ''}”" if s else "the whole draft",
        key=state.widget("review.comment_on"),
        help="Attach the comment to one sentence, as in a shared document.",
    )
    st.text_area(
        "Your comment",
        key=state.widget("review.comment"),
        height=90,
        placeholder="What should this participant work on next?",
    )
    st.button(
        "Add comment",
        icon=":material/add_comment:",
        on_click=_add_comment,
        args=(ctx, record, person.name, person.latest),
    )


def _add_comment(ctx: AppContext, record: WorkshopView, name: str, version: Version) -> None:
    body = str(state.widget_value("review.comment", default="")).strip()
    if not body:
        return
    quote = state.widget_value("review.comment_on", default="") or None
    try:
        ctx.workspace.add_comment(record, name, body, version, quote)
    except CoachError as exc:
        components.show_error(exc, "save the comment")
        return
    state.seed("review.comment", "")
    state.seed("review.comment_on", "")


# -- exports -----------------------------------------------------------------------------


def _exports(ctx: AppContext, record: WorkshopView, people: list[Participant]) -> None:
    st.subheader("Export")
    slug = "".join(ch if ch.isalnum() else "-" for ch in record.name).strip("-") or "workshop"
    csv_col, json_col, html_col = st.columns(3)
    csv_col.download_button(
        "CSV (one row per participant)",
        exports.to_csv(_export_rows(ctx, record, people, with_feedback=False)),
        file_name=f"{slug}.csv",
        mime="text/csv",
        icon=":material/table:",
    )
    # The JSON and the printable report carry each person's coaching, which takes a moment
    # per participant the first time: prepared on request, kept for this upload.
    fingerprint = (
        record.name,
        tuple((p.name, p.latest.id) for p in people),
        tuple((name, len(notes)) for name, notes in sorted(record.comments.items())),
    )
    prepared = state.get("review_export")
    if prepared is None or prepared[0] != fingerprint:
        json_col.button(
            "Prepare JSON and printable report",
            icon=":material/description:",
            on_click=_prepare_exports,
            args=(ctx, record, people, fingerprint),
        )
        st.caption("Both include every participant's coaching and your comments.")
        return
    _, as_json, as_html = prepared
    json_col.download_button(
        "JSON (reports and coaching)",
        as_json,
        file_name=f"{slug}.json",
        mime="application/json",
        icon=":material/data_object:",
    )
    html_col.download_button(
        "Printable report (HTML)",
        as_html,
        file_name=f"{slug}.html",
        mime="text/html",
        icon=":material/print:",
    )
    st.caption(
        "The printable report has a summary page, the table, then one page per participant; "
        "print it from your browser, or save it as PDF there."
    )


def _export_rows(
    ctx: AppContext, record: WorkshopView, people: list[Participant], *, with_feedback: bool
) -> list[dict]:
    """The workshop's stored rows (as ``coach workshop export`` gives them), with the reports
    shown on this page laid over them and, when asked, each person's coaching."""
    by_draft = {p.latest.draft_id: p for p in people}
    rows = []
    for row in ctx.workspace.workshop_rows(record):
        person = by_draft.get(row["draft_id"])
        if person is None:
            rows.append(row)
            continue
        feedback = plan = None
        if with_feedback:
            latest = person.latest
            coached = analyse(latest.text, latest.story_type, ctx.settings).coached
            feedback, plan = coached.feedback, coached.plan
        rows.append(exports.with_report(row, person.report, feedback, plan))
    return rows


def _prepare_exports(
    ctx: AppContext, record: WorkshopView, people: list[Participant], fingerprint: tuple
) -> None:
    rows = _export_rows(ctx, record, people, with_feedback=True)
    state.set(
        "review_export",
        (fingerprint, exports.to_json(rows, record.name), exports.to_html(rows, record.name)),
    )


if __name__ == "__main__":
    render()
