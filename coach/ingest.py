"""Ingest sources into the library: all of a source's chunks, or none of them.

An ingest streams sections -> chunks -> embeddings -> Chroma in small batches (bounded
memory for a 500-page PDF), reusing the stored vectors of chunks that did not change.
Only when every chunk is written does it commit the source's manifest record; then it
deletes the chunks the new version no longer has. Any failure before the commit —
a corrupt page, a full disk, a cancel from the progress callback — rolls back: the
chunks it added are deleted and the metadata it overwrote is put back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.chunking import CHUNKER_VERSION, Chunk, Chunker
from coach.errors import CoachError, InputError
from coach.sources import LoadedSource, load_card, load_source
from coach.store import SourceRecord, Store, criterion_key

CARD_PREFIX = "card:"


@dataclass(frozen=True)
class Progress:
    """Reported after each section: pages for PDF, chunks for everything."""

    source_id: str
    pages_done: int
    pages_total: int | None
    chunks_done: int


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class IngestResult:
    source_id: str
    status: str  # added | updated | unchanged | duplicate
    title: str
    kind: str
    chunks: int = 0
    pages: int = 0
    embedded: int = 0  # chunks that needed a new vector (the rest were reused)
    removed: int = 0  # stale chunks of the previous version deleted
    duplicate_of: str | None = None


@dataclass
class SyncResult:
    """What a corpus sync did; a broken card is reported, not fatal to the others."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def index_text(text: str, title: str, locator: str, criteria: str) -> str:
    """What BM25 and the embedder see: the title, the criteria names, the heading, the text.

    Cards are short, so naming the criteria they serve ("call to action") and their title
    lets a user's question match the idea even when the body words differ.
    """
    names = " ".join(c.replace("_", " ") for c in criteria.split())
    head = ". ".join(part for part in (title, names, locator) if part)
    return f"{head}.\n{text}" if head else text


def default_source_id(path: Path) -> str:
    return path.name


class Ingester:
    """Writes sources into a :class:`Store` with vectors from an ``Embedder``."""

    def __init__(self, store: Store, embedder, batch_size: int = 32):
        self.store = store
        self.embedder = embedder
        self.batch_size = batch_size

    # ---------------------------------------------------------------- public

    def ingest(
        self,
        path: Path | str,
        source_id: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestResult:
        """Ingest one user file. Unchanged files and exact duplicates are left alone."""
        path = Path(path)
        source_id = source_id or default_source_id(path)
        if source_id.startswith(CARD_PREFIX):
            raise InputError(f"{source_id}: ids starting with '{CARD_PREFIX}' are reserved")
        loaded = load_source(path)
        twin = self.store.find_by_sha(loaded.sha256)
        if twin is not None and twin.source_id != source_id and not twin.builtin:
            return IngestResult(
                source_id,
                "duplicate",
                twin.title,
                twin.kind,
                twin.chunks,
                twin.pages,
                duplicate_of=twin.source_id,
            )
        return self._ingest(loaded, source_id, builtin=False, progress=progress)

    def remove(self, source_id: str) -> SourceRecord:
        record = self.store.get_source(source_id)
        if record is None:
            raise InputError(f"no source with id {source_id!r} (see 'coach sources')")
        if record.builtin:
            raise InputError(
                f"{source_id} is a built-in guidance card; edit the corpus folder instead"
            )
        self.store.delete_source(source_id)
        return record

    def sync_corpus(self, corpus_dir: Path) -> SyncResult:
        """Bring the built-in cards in line with ``corpus_dir``: cheap when nothing changed.

        A card whose file hash matches its manifest record is skipped without parsing.
        """
        from coach.sources import file_sha256

        result = SyncResult()
        folder = corpus_dir / "cards" if (corpus_dir / "cards").is_dir() else corpus_dir
        files = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
        stored = {r.name: r for r in self.store.sources() if r.builtin}
        seen: set[str] = set()
        for path in files:
            sha = file_sha256(path)
            record = stored.get(path.name)
            if record and record.file_sha == sha and record.chunker == CHUNKER_VERSION:
                seen.add(record.source_id)
                result.unchanged += 1
                continue
            try:
                card = load_card(path)
                source_id = CARD_PREFIX + str(card.meta["id"])
                if source_id in seen:
                    raise InputError(f"{path.name}: duplicate card id {card.meta['id']!r}")
                done = self._ingest(card, source_id, builtin=True)
            except CoachError as exc:
                result.errors.append(str(exc))
                continue
            seen.add(source_id)
            (result.added if done.status == "added" else result.updated).append(source_id)
        for record in stored.values():
            if record.source_id not in seen:
                self.store.delete_source(record.source_id)
                result.removed.append(record.source_id)
        return result

    # ---------------------------------------------------------------- the work

    def _ingest(
        self,
        loaded: LoadedSource,
        source_id: str,
        *,
        builtin: bool,
        progress: ProgressCallback | None = None,
    ) -> IngestResult:
        previous = self.store.get_source(source_id)
        if (
            previous is not None
            and previous.file_sha == loaded.sha256
            and previous.chunker == CHUNKER_VERSION
        ):
            return IngestResult(
                source_id,
                "unchanged",
                previous.title,
                previous.kind,
                previous.chunks,
                previous.pages,
            )
        old_ids = self.store.chunk_ids(source_id)
        base = self._base_meta(loaded, source_id, builtin)
        chunker = Chunker(source_id, keep_whole=builtin, line_numbers=loaded.kind == "text")
        written: set[str] = set()  # ids this ingest wrote, in order to roll back or keep
        overwritten: dict[str, dict[str, Any]] = {}  # old metadata of shared ids
        embedded = 0
        try:
            for batch, pages_done in self._batches(loaded, chunker):
                embedded += self._write(batch, base, old_ids, written, overwritten)
                if progress:
                    progress(Progress(source_id, pages_done, loaded.pages, len(written)))
            if not written:
                raise InputError(f"{loaded.path.name}: no text to index")
            stamp = now()
            self.store.put_source(
                SourceRecord(
                    source_id=source_id,
                    title=loaded.title,
                    kind=loaded.kind,
                    name=loaded.path.name,
                    file_sha=loaded.sha256,
                    chunks=len(written),
                    pages=loaded.pages or 0,
                    added_at=previous.added_at if previous else stamp,
                    updated_at=stamp,
                    builtin=builtin,
                    chunker=CHUNKER_VERSION,
                )
            )
        except BaseException:
            self._roll_back(written - old_ids, overwritten)
            raise
        stale = old_ids - written
        self.store.delete_ids(stale)
        return IngestResult(
            source_id,
            "updated" if previous else "added",
            loaded.title,
            loaded.kind,
            len(written),
            loaded.pages or 0,
            embedded,
            len(stale),
        )

    def _batches(self, loaded: LoadedSource, chunker: Chunker) -> Iterator[tuple[list[Chunk], int]]:
        batch: list[Chunk] = []
        page = 0
        for section in loaded.sections():
            page = section.page or page
            batch.extend(chunker.chunks(section))
            if len(batch) >= self.batch_size:
                yield batch, page
                batch = []
        if batch:
            yield batch, page

    def _write(
        self,
        batch: list[Chunk],
        base: dict[str, Any],
        old_ids: set[str],
        written: set[str],
        overwritten: dict[str, dict[str, Any]],
    ) -> int:
        """Embed what is new, reuse stored vectors for the rest, upsert; returns #embedded."""
        reused = self.store.existing([c.chunk_id for c in batch if c.chunk_id in old_ids])
        for chunk_id, (_, meta) in reused.items():
            overwritten.setdefault(chunk_id, meta)
        fresh = [c for c in batch if c.chunk_id not in reused]
        vectors = dict(
            zip(
                (c.chunk_id for c in fresh),
                self.embedder.embed([self._index_text(c, base) for c in fresh]).tolist(),
                strict=True,
            )
        )
        vectors.update({i: vector for i, (vector, _) in reused.items()})
        self.store.upsert(
            [c.chunk_id for c in batch],
            [vectors[c.chunk_id] for c in batch],
            [c.text for c in batch],
            [self._chunk_meta(c, base) for c in batch],
        )
        written.update(c.chunk_id for c in batch)
        return len(fresh)

    def _roll_back(self, added: set[str], overwritten: dict[str, dict[str, Any]]) -> None:
        try:
            self.store.delete_ids(added)
            self.store.restore_metadata(overwritten)
        except CoachError:
            pass  # uncommitted chunks stay invisible to readers; the next ingest cleans up

    # ---------------------------------------------------------------- metadata

    @staticmethod
    def _base_meta(loaded: LoadedSource, source_id: str, builtin: bool) -> dict[str, Any]:
        meta = loaded.meta
        criteria = [str(c) for c in meta.get("criteria") or []]
        base: dict[str, Any] = {
            "source_id": source_id,
            "file_sha": loaded.sha256,
            "title": loaded.title,
            "kind": loaded.kind,
            "builtin": builtin,
            "criteria": " ".join(criteria),
            # what a citation names: the cited work for cards, the file for user sources
            "cite": str(meta.get("source") or loaded.path.name),
        }
        if meta.get("section"):
            base["section"] = str(meta["section"])
        if meta.get("source_ref"):
            base["source_ref"] = str(meta["source_ref"])
        if builtin and meta.get("id"):
            base["card_id"] = str(meta["id"])
        base.update({criterion_key(c): True for c in criteria})
        return base

    @staticmethod
    def _chunk_meta(chunk: Chunk, base: dict[str, Any]) -> dict[str, Any]:
        meta = dict(base)
        meta.update(locator=chunk.locator, start=chunk.start, end=chunk.end)
        if chunk.page is not None:
            meta["page"] = chunk.page
        return meta

    @staticmethod
    def _index_text(chunk: Chunk, base: dict[str, Any]) -> str:
        return index_text(chunk.text, base["title"], chunk.locator, base["criteria"])
