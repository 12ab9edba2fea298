"""Ingesting into a real Chroma: idempotent, replace-on-change, all-or-nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from coach.errors import InputError, ServiceError
from coach.library.ingest import Ingester
from coach.library.retrieve import Retriever
from coach.library.store import Store
from coach.settings import Settings
from coach.text.embeddings import Embedder


def chunks_of(store: Store, source_id: str) -> dict[str, dict]:
    """Stored chunk id -> metadata for one source, straight from Chroma."""
    return {c.chunk_id: c.meta for c in store.iter_chunks() if c.meta["source_id"] == source_id}


def test_ingest_a_pdf_keeps_pages_and_lists_the_source(ingester, store, make_pdf, long_pages):
    path = make_pdf("handbook.pdf", long_pages(3), title="Workshop handbook")
    seen = []
    result = ingester.ingest(path, progress=seen.append)
    assert result.status == "added" and result.pages == 3 and result.chunks >= 3
    assert [p.pages_done for p in seen][-1] == 3 and seen[-1].pages_total == 3
    (record,) = store.sources()
    assert (record.source_id, record.title, record.kind) == (
        "handbook.pdf",
        "Workshop handbook",
        "pdf",
    )
    assert record.chunks == result.chunks and record.added_at
    pages = {meta["page"] for meta in chunks_of(store, "handbook.pdf").values()}
    assert pages == {1, 2, 3}


def test_reingesting_an_unchanged_file_changes_nothing(ingester, store, write):
    path = write("notes.md", "# Notes\n\nBring one colleague to the meeting.\n")
    first = ingester.ingest(path)
    before = chunks_of(store, "notes.md")
    again = ingester.ingest(path)
    assert again.status == "unchanged" and again.embedded == 0
    assert chunks_of(store, "notes.md") == before
    assert store.sources()[0].updated_at == store.get_source("notes.md").updated_at
    assert first.chunks == again.chunks


def test_the_same_content_under_another_name_is_a_duplicate(ingester, store, write):
    ingester.ingest(write("brief.txt", "Vote on 3 June. Bring a neighbour."))
    result = ingester.ingest(write("copy of brief.txt", "Vote on 3 June. Bring a neighbour."))
    assert result.status == "duplicate" and result.duplicate_of == "brief.txt"
    assert [r.source_id for r in store.sources()] == ["brief.txt"]


def test_a_changed_file_replaces_its_old_chunks(ingester, store, write):
    keep = "## Keep\n\n" + "This section stays exactly the same across versions. " * 3
    path = write("guide.md", f"# Guide\n\n{keep}\n\n## Ask\n\nCome on Monday.\n")
    ingester.ingest(path)
    old = chunks_of(store, "guide.md")
    path.write_text(f"# Guide\n\n{keep}\n\n## Ask\n\nCome on Thursday at 7 pm.\n")
    result = ingester.ingest(path)
    new = chunks_of(store, "guide.md")
    texts = {c.text for c in store.iter_chunks()}
    assert result.status == "updated" and result.removed == 1
    assert result.embedded == 1  # the unchanged section reused its stored vector
    assert "Come on Monday." not in texts and "Come on Thursday at 7 pm." in texts
    assert len(set(old) & set(new)) == 1
    assert store.get_source("guide.md").chunks == len(new) == 2


def test_remove_a_source(ingester, store, write):
    ingester.ingest(write("a.txt", "Alpha text about listening."))
    ingester.ingest(write("b.txt", "Beta text about organising."))
    removed = ingester.remove("a.txt")
    assert removed.source_id == "a.txt"
    assert [r.source_id for r in store.sources()] == ["b.txt"]
    assert chunks_of(store, "a.txt") == {}
    with pytest.raises(InputError, match="no source"):
        ingester.remove("a.txt")


def test_remove_clears_what_a_killed_ingest_left_uncommitted(ingester, store, write):
    """A killed process wrote passages but never its manifest record: readers never saw them,
    and `coach sources --remove ID` must still be able to clear them."""
    ingester.ingest(write("a.txt", "Alpha text about listening."))
    [(chunk_id, meta)] = chunks_of(store, "a.txt").items()
    vector, _ = store.existing([chunk_id])[chunk_id]
    store.upsert(
        ["killed.txt#0"], [vector], ["Half-written."], [{**meta, "source_id": "killed.txt"}]
    )
    assert chunks_of(store, "killed.txt") and store.get_source("killed.txt") is None
    removed = ingester.remove("killed.txt")
    assert removed.chunks == 1 and chunks_of(store, "killed.txt") == {}
    assert [r.source_id for r in store.sources()] == ["a.txt"]
    with pytest.raises(InputError, match="no source"):
        ingester.remove("killed.txt")


class Cancel(Exception):
    """What a UI's cancel button raises from the progress callback."""


def cancel_after(pages: int):
    def progress(event):
        if event.pages_done >= pages:
            raise Cancel

    return progress


def test_a_failed_ingest_leaves_nothing_behind(ingester, store, make_pdf, long_pages):
    path = make_pdf("long.pdf", long_pages(6))
    with pytest.raises(Cancel):
        ingester.ingest(path, progress=cancel_after(pages=3))  # after several batches written
    assert store.sources() == [] and store.count() == 0


def test_a_failed_update_keeps_the_previous_version_intact(ingester, store, make_pdf, long_pages):
    path = make_pdf("long.pdf", long_pages(4))
    ingester.ingest(path)
    before_record = store.get_source("long.pdf")
    before = chunks_of(store, "long.pdf")
    vectors = store.existing(sorted(before))
    changed = long_pages(6)
    changed[0][0] = "A new first line changes page one only."
    make_pdf("long.pdf", changed)
    with pytest.raises(Cancel):
        ingester.ingest(path, progress=cancel_after(pages=5))
    assert store.get_source("long.pdf") == before_record
    assert chunks_of(store, "long.pdf") == before
    after = store.existing(sorted(before))
    # Chroma re-normalises stored vectors for cosine space, hence allclose
    assert all(np.allclose(after[i][0], vectors[i][0], atol=1e-6) for i in before)


def test_a_scanned_pdf_fails_cleanly(ingester, store, make_scanned_pdf):
    with pytest.raises(InputError, match="OCR is not supported"):
        ingester.ingest(make_scanned_pdf())
    assert store.sources() == [] and store.count() == 0


def test_a_library_built_with_another_model_is_refused(settings, embedder, ingester, write):
    ingester.ingest(write("a.txt", "Some text."))

    class OtherModel(Embedder):
        model_id = "some-other-model"

    with pytest.raises(ServiceError, match="built with embedding model"):
        Store.open(settings, OtherModel.model_id, OtherModel.dimension)


def test_a_read_only_data_dir_gets_a_clear_message(tmp_path, embedder):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        target = Path("/proc/narrative-coach-test")  # not writable even for root
    else:
        target = tmp_path / "locked"
        target.mkdir()
        target.chmod(0o555)
    with pytest.raises(ServiceError, match="not writable"):
        Store.open(Settings(data_dir=target), embedder.model_id, embedder.dimension)


def test_reserved_ids_are_refused(ingester, write):
    with pytest.raises(InputError, match="reserved"):
        ingester.ingest(write("x.md", "# x\n\ntext\n"), source_id="card:x")


# ---------------------------------------------------------------- the seed texts


SEEDS = (Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds").resolve()


@pytest.fixture
def seeds() -> list[Path]:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if len(files) < 2:
        pytest.skip(f"seed texts not found in {SEEDS} (they live in ../shared/seeds)")
    return files


@pytest.mark.slow
def test_the_seed_texts_ingest_and_answer_questions(tmp_path, seeds, embedder):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "no-corpus")
    store = Store.open(settings, embedder.model_id, embedder.dimension)
    ingester = Ingester(store, embedder)
    for path in seeds:
        copy = shutil.copy(path, tmp_path / path.name)
        result = ingester.ingest(copy)
        assert result.status == "added" and result.chunks >= 5
        assert all(text.strip() for text in (c.text for c in store.iter_chunks()))
    retriever = Retriever(store, embedder, settings.corpus_dir)
    (top, *_) = retriever.search("What is the difference between organising and mobilising?")
    assert top.source_id == "000_cc4992ae29a4c5bc.txt"
    assert top.locator.startswith("line")
    original = (tmp_path / top.source_id).read_text(encoding="utf-8")
    assert original.replace("\r\n", "\n")[top.start : top.end] == top.text
    (agency, *_) = retriever.search("agency power courage", k=3)
    assert agency.source_id == "003_1ed1405532283485.txt"


def test_a_different_file_cannot_take_an_id_unless_asked(ingester, store, write):
    first = ingester.ingest(write("a/notes.md", "# Notes\n\nKnock on ten doors.\n"))
    other = write("b/notes.md", "# Notes\n\nPhone bank on Thursday.\n")
    with pytest.raises(InputError, match="a different file named notes.md .* --replace"):
        ingester.ingest(other)
    assert {c.text for c in store.iter_chunks()} == {"Knock on ten doors."}
    taken = ingester.ingest(other, replace=True)
    assert (first.status, taken.status) == ("added", "updated")
    assert store.get_source("notes.md").path == str(other.resolve())


def test_a_moved_file_is_the_same_source(ingester, store, write, tmp_path):
    old = write("inbox/notes.md", "# Notes\n\nKnock on ten doors.\n")
    ingester.ingest(old)
    new = tmp_path / "archive" / "notes.md"
    new.parent.mkdir()
    old.rename(new)
    assert ingester.ingest(new).status == "unchanged"
    assert store.get_source("notes.md").path == str(new.resolve())
    new.write_text("# Notes\n\nKnock on twenty doors.\n")
    assert ingester.ingest(new).status == "updated"
