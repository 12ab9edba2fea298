"""Library: the sources coaching cites — list, add (with progress), remove, search.

The built-in guidance cards are always there; people add their own documents (PDF,
Markdown, text, HTML, Word). A document that cannot be read (a scanned PDF, a corrupt
file) is reported by name with what to do, and the others still go in.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from coach.errors import CoachError
from coach.library.ingest import Ingester, IngestResult, Progress
from coach.library.retrieve import Retriever
from ui import components, context, resources, state
from ui.components import esc

UPLOAD_TYPES = ["pdf", "md", "markdown", "txt", "html", "htm", "docx"]
MAX_UPLOAD_MB = 50


def render() -> None:
    ctx = context.load(anonymous_ok=True)
    st.title("Library")
    st.caption(
        "The guidance the coach cites. Built-in cards are written from our sources; add your "
        "own campaign documents and they are searched and cited the same way."
    )
    try:
        library = resources.retriever(ctx.settings)
        if ctx.anonymous:
            st.caption("Join your workshop or sign in (Account) to add documents.")
        else:
            _add(library)
        records = library.store.sources()
    except CoachError as exc:
        components.show_error(exc, "open the library")
        return
    mine = [r for r in records if not r.builtin]
    cards = [r for r in records if r.builtin]
    st.subheader("Your sources")
    if mine:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "title": r.title,
                        "type": r.kind,
                        "pages": r.pages or None,
                        "passages": r.chunks,
                        "added": r.added_at.replace("T", " ")[:16],
                        "id": r.source_id,
                    }
                    for r in mine
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        _remove(library, mine)
    else:
        st.caption("None yet: add a PDF, a Word document or your campaign's notes above.")
    with st.expander(
        f"Built-in guidance: {len(cards)} cards ({sum(r.chunks for r in cards)} passages)"
    ):
        st.dataframe(
            pd.DataFrame([{"title": r.title, "card": r.source_id} for r in cards]),
            hide_index=True,
            width="stretch",
        )
    st.subheader("Search the library")
    _search(ctx, library, {r.source_id: r.title for r in records})


def _add(library: Retriever) -> None:
    files = st.file_uploader(
        "Add documents",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        max_upload_size=MAX_UPLOAD_MB,
        key=state.widget("library.upload"),
        help=f"PDF, Markdown, text, HTML or Word; up to {MAX_UPLOAD_MB} MB each. "
        "Scanned PDFs need OCR first: only text that can be selected is indexed.",
    )
    if files:
        seen = tuple(f.file_id for f in files)
        if state.get("library_seen_uploads") != seen:
            state.set("library_results", _ingest(library, files))
            state.set("library_seen_uploads", seen)
    for ok, line in state.get("library_results"):
        (st.success if ok else st.error)(esc(line))


def _ingest(library: Retriever, files) -> list[tuple[bool, str]]:
    ingester = Ingester(library.store, library.embedder)
    results = []
    with tempfile.TemporaryDirectory(prefix="coach-library-") as folder:
        for upload in files:
            name = Path(upload.name).name
            path = Path(folder) / name
            path.write_bytes(upload.getvalue())
            bar = st.progress(0.0, text=f"Reading {name}…")

            def report(event: Progress, bar=bar, name=name) -> None:
                if event.pages_total:
                    share = event.pages_done / event.pages_total
                    bar.progress(
                        min(1.0, share),
                        text=f"{name}: page {event.pages_done} of {event.pages_total}",
                    )
                else:
                    bar.progress(0.5, text=f"{name}: {event.chunks_done} passages")

            try:
                done = ingester.ingest(path, progress=report)
                results.append((True, _describe(done)))
            except CoachError as exc:
                results.append((False, str(exc)))
            bar.empty()
    return results


def _describe(result: IngestResult) -> str:
    if result.status == "duplicate":
        return f"{result.source_id}: same content as {result.duplicate_of}, not added again."
    if result.status == "unchanged":
        return f"{result.source_id}: already in the library ({result.chunks} passages)."
    pages = f", {result.pages} pages" if result.pages else ""
    return f"{result.title}: {result.status}, {result.chunks} passages{pages}."


def _remove(library: Retriever, mine) -> None:
    titles = {r.source_id: f"{r.title} ({r.source_id})" for r in mine}
    pick, confirm, button = st.columns([3, 2, 1], vertical_alignment="bottom")
    pick.selectbox(
        "Remove a source",
        list(titles),
        format_func=titles.__getitem__,
        key=state.widget("library.remove_pick"),
    )
    sure = confirm.checkbox("Yes, remove it", key=state.widget("library.remove_confirm"))
    button.button(
        "Remove",
        icon=":material/delete:",
        disabled=not sure,
        on_click=_remove_picked,
        args=(library, titles),
    )


def _remove_picked(library: Retriever, titles: dict[str, str]) -> None:
    chosen = state.widget_value("library.remove_pick")
    try:
        Ingester(library.store, library.embedder).remove(chosen)
    except CoachError as exc:
        state.set("library_results", [(False, f"Could not remove {chosen}: {exc}")])
        return
    state.set("library_results", [(True, f"Removed {titles[chosen]}.")])
    state.seed("library.remove_confirm", False)


AUDIENCE_LABELS = {"lead": "campaign leads", "champion": "champions", "trainer": "trainers"}


def _search(ctx, library: Retriever, titles: dict[str, str]) -> None:
    query, k, criterion, reader = st.columns([4, 1, 2, 2], vertical_alignment="bottom")
    text = query.text_input(
        "Question",
        key=state.widget("library.query"),
        placeholder="e.g. how do I make my ask specific?",
    )
    count = k.number_input("Passages", 1, 20, 5, key=state.widget("library.k"))
    rubric = resources.scorer(ctx.settings).rubric
    names = {c.id: c.name for c in rubric.criteria}
    only = criterion.selectbox(
        "Only for criterion",
        ["", *names],
        format_func=lambda i: names.get(i, "any"),
        key=state.widget("library.criterion"),
    )
    audience = reader.selectbox(
        "For",
        ["", *AUDIENCE_LABELS],
        format_func=lambda a: AUDIENCE_LABELS.get(a, "anyone"),
        key=state.widget("library.audience"),
        help="Show the cards written for this reader (your own documents always count).",
    )
    if not text.strip():
        st.caption("Ask in your own words; results cite their source and where in it they are.")
        return
    try:
        answer = library.answer(text, int(count), criterion=only or None, audience=audience or None)
        passages = answer.passages
    except CoachError as exc:
        components.show_error(exc, "search the library")
        return
    if not passages:
        st.info("No passage matches. Try other words, or remove the filters.")
    elif not answer.fits:
        st.info(
            "**Nothing in the library fits this well.** The closest passages are below; "
            "try other words, or add your own guide on this page.",
            icon=":material/search_off:",
        )
    for number, passage in enumerate(passages, 1):
        with st.expander(f"[{number}] {esc(passage.citation)}", expanded=number == 1):
            st.text(passage.text, width="stretch")
            st.caption(f"score {passage.score:.3f} · {esc(passage.title)}")
            see_also = [titles[s] for s in passage.related if s in titles]
            if see_also:
                st.caption("See also: " + " · ".join(esc(title) for title in see_also))


if __name__ == "__main__":
    render()
