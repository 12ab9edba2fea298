"""Ingest sources into the library: all of a source's chunks, or none of them.

An ingest streams sections -> chunks -> embeddings -> Chroma in small batches (bounded
memory for a 500-page PDF), reusing the stored vectors of chunks that did not change.
Only when every chunk is written does it commit the source's manifest record; then it
deletes the chunks the new version no longer has. Any failure before the commit —
a corrupt page, a full disk, a cancel from the progress callback — rolls back: the
chunks it added are deleted and the metadata it overwrote is put back.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import CoachError, InputError
from coach.library import shipped
from coach.library.chunking import Chunk, Chunker, content_hash
from coach.library.chunkmeta import CARD_PREFIX, ChunkMeta, QuestionMeta, Reference
from coach.library.sources import LoadedSource, file_sha256, load_card, load_source
from coach.library.store import SourceRecord, VectorStore
from coach.text.embeddings import TextEmbedder

#: Version of how a source becomes chunks and vectors (chunking, index text, windows).
#: Bump it when any of that changes: sources are then re-chunked and re-embedded.
INDEX_VERSION = "4"  # 3: cards' questions get vectors; 4: keyed by their text
WINDOW_WORDS = 100
MIN_WINDOW_WORDS = 15


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


def index_head(title: str, locator: str, criteria: str) -> str:
    """The context we put before a chunk's text: its title, criteria names and heading.

    Cards are short, so naming the criteria they serve ("call to action") and their title
    lets a user's question match the idea even when the body words differ.
    """
    names = " ".join(c.replace("_", " ") for c in criteria.split())
    return ". ".join(part for part in (title, names, locator) if part)


def index_text(text: str, title: str, locator: str, criteria: str, questions: str = "") -> str:
    """What BM25 indexes: the head, the text, then any questions the card says it answers.

    A card's ``questions`` (written by hand, in the words users type: "my first line is a
    percentage…") bridge the gap between how people ask and how guidance is written.
    Their vectors are kept too (``coach_questions``), but not mixed into the card's
    vector: the ranker compares a user's question with them as a feature of its own
    (coach.library.ranker; docs/library.md has the measurements).
    """
    head = index_head(title, locator, criteria)
    body = f"{head}.\n{text}" if head else text
    return f"{body}\n{questions}" if questions else body


def windows(text: str, max_words: int = WINDOW_WORDS) -> list[str]:
    """Paragraph-aware pieces of at most ``max_words`` words (the embedder reads 128 tokens)."""
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        words = paragraph.split()
        for at in range(0, len(words), max_words):
            pieces.append(" ".join(words[at : at + max_words]))
    merged: list[str] = []
    for piece in pieces:  # a stray short line (a label, a list item) joins the piece before
        if merged and len(piece.split()) < MIN_WINDOW_WORDS:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged or [""]


def vector_key(view: tuple[str, str]) -> str:
    """What a chunk's vector was made from (its head and text): a stored vector is reused
    only when this matches, so a renamed card or heading gets a fresh vector."""
    return content_hash(*view)


def embed_passages(embedder, items: list[tuple[str, str]]) -> np.ndarray:
    """Vectors for (head, text) pairs: the mean of the head-prefixed windows, re-normalised.

    The model truncates at 128 tokens, so one embedding of a 150-word card would ignore
    its second half; averaging windows lets the whole text count (the gain is measured in
    docs/library.md).
    """
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for head, text in items:
        parts = [f"{head}.\n{w}" if head else w for w in windows(text)]
        spans.append((len(texts), len(texts) + len(parts)))
        texts.extend(parts)
    vectors = embedder.embed(texts) if texts else np.zeros((0, 0), dtype=np.float32)
    out = []
    for start, end in spans:
        mean = vectors[start:end].mean(axis=0)
        out.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
    return np.asarray(out, dtype=np.float32)


def _unchanged(record: SourceRecord) -> IngestResult:
    return IngestResult(
        record.source_id, "unchanged", record.title, record.kind, record.chunks, record.pages
    )


def default_source_id(path: Path) -> str:
    return path.name


def location(path: Path) -> str:
    """How a record remembers where its file was: the absolute path."""
    return str(path.resolve())


def _refuse_another_file(record: SourceRecord, path: Path) -> None:
    """Refuse to let ``path`` silently take over ``record``'s id from a different file.

    The old file counts as different only while it still exists elsewhere: a file that was
    moved, or an upload saved to a fresh temporary folder each time, is the same source.
    """
    if record.builtin or not record.path or record.path == location(path):
        return
    if not Path(record.path).is_file():
        return
    raise InputError(
        f"a different file named {record.name} is already in the library as "
        f"{record.source_id!r} (from {record.path}); rename this one, ingest it with "
        f"--replace, or remove the old one: coach sources --remove {record.source_id}"
    )


#: Rows per write when a fresh library indexes every card at once.
WRITE_PAGE = 1000


@dataclass
class _Job:
    """Book-keeping of one ingest, enough to roll it back."""

    old_ids: set[str]
    reuse: bool  # stored vectors were made the same way and can be reused
    old_question_ids: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)
    written_questions: set[str] = field(default_factory=set)
    saved: dict[str, tuple[np.ndarray, dict[str, Any]]] = field(default_factory=dict)
    saved_questions: dict[str, tuple[np.ndarray, dict[str, Any]]] = field(default_factory=dict)
    embedded: int = 0


class Ingester:
    """Writes sources into a :class:`Store` with vectors from an ``Embedder``."""

    def __init__(self, store: VectorStore, embedder: TextEmbedder, batch_size: int = 32):
        self.store = store
        self.embedder = embedder
        self.batch_size = batch_size
        self.shipped = shipped.load(embedder.model_id)

    # ---------------------------------------------------------------- public

    def ingest(
        self,
        path: Path | str,
        source_id: str | None = None,
        progress: ProgressCallback | None = None,
        *,
        replace: bool = False,
    ) -> IngestResult:
        """Ingest one user file. Unchanged files and exact duplicates are left alone.

        Ingesting the same file again updates it. A *different* file whose id is taken
        (``a/notes.md`` after ``b/notes.md``) is refused unless ``replace`` is true; a
        file moved from its old place (nothing is there any more) counts as the same.
        """
        path = Path(path)
        source_id = source_id or default_source_id(path)
        if source_id.startswith(CARD_PREFIX):
            raise InputError(f"{source_id}: ids starting with '{CARD_PREFIX}' are reserved")
        previous = self.store.get_source(source_id)
        if previous is not None:
            if not replace:
                _refuse_another_file(previous, path)
            if path.is_file() and self._is_current(previous, path):
                return self._keep(previous, path)
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

    def _keep(self, record: SourceRecord, path: Path) -> IngestResult:
        """Nothing to re-index; only remember the file's new name or place if it moved."""
        if (record.name, record.path) != (path.name, location(path)):
            moved = dataclasses.replace(record, name=path.name, path=location(path))
            self.store.put_source(moved)
        return _unchanged(record)

    @staticmethod
    def _is_current(record: SourceRecord, path: Path) -> bool:
        """Same bytes, indexed the current way: nothing to do (checked before parsing)."""
        return record.index_version == INDEX_VERSION and record.file_sha == file_sha256(path)

    def remove(self, source_id: str) -> SourceRecord:
        """Remove a source; also the passages an interrupted ingest left uncommitted (a killed
        process never reached the manifest, so readers never saw them, but they took space)."""
        record = self.store.get_source(source_id)
        if record is None:
            leftovers = self.store.chunk_ids(source_id)
            if not leftovers and not self.store.chunk_ids(source_id, of="questions"):
                raise InputError(f"no source with id {source_id!r} (see 'coach sources')")
            self.store.delete_source(source_id)
            return SourceRecord(
                source_id, "(interrupted ingest)", "", "", "", len(leftovers), 0, "", ""
            )
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
        result = SyncResult()
        folder = corpus_dir / "cards" if (corpus_dir / "cards").is_dir() else corpus_dir
        files = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
        if self.store.count() == 0 and not self.store.sources():
            return self._index_fresh(files)
        stored = {r.name: r for r in self.store.sources() if r.builtin}
        seen: set[str] = set()
        for path in files:
            sha = file_sha256(path)
            record = stored.get(path.name)
            if record and record.file_sha == sha and record.index_version == INDEX_VERSION:
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
            if done.status == "unchanged":  # same card under a new file name
                result.unchanged += 1
            else:
                (result.added if done.status == "added" else result.updated).append(source_id)
        for record in stored.values():
            if record.source_id not in seen:
                self.store.delete_source(record.source_id)
                result.removed.append(record.source_id)
        return result

    def _index_fresh(self, files: list[Path]) -> SyncResult:
        """Index every card into an empty library with one write per collection.

        What the card-by-card path would store, without its per-card round trips (the first
        start of a fresh install waits on this). Vectors come from the shipped file when it
        has them. All or nothing: if a write fails, what was written is deleted.
        """
        result = SyncResult()
        chunks: list[tuple[str, tuple[str, str], str, ChunkMeta]] = []
        questions: dict[str, tuple[str, str, ChunkMeta]] = {}  # id -> (question, chunk id, base)
        records: list[SourceRecord] = []
        stamp = now()
        for path in files:
            try:
                card = load_card(path)
                source_id = CARD_PREFIX + str(card.meta["id"])
                if any(r.source_id == source_id for r in records):
                    raise InputError(f"{path.name}: duplicate card id {card.meta['id']!r}")
                base = self._base_meta(card, source_id, True)
                chunker = Chunker(source_id, keep_whole=True)
                found = [c for section in card.sections() for c in chunker.chunks(section)]
                if not found:
                    raise InputError(f"{path.name}: no text to index")
            except CoachError as exc:
                result.errors.append(str(exc))
                continue
            for chunk in found:
                view = self._view(chunk, base)
                meta = self._chunk_meta(chunk, base, vector_key(view))
                chunks.append((chunk.chunk_id, view, chunk.text, meta))
                for question in (q for q in base.questions if q.strip()):
                    row = f"{chunk.chunk_id}#{content_hash(question)}"
                    questions[row] = (question, chunk.chunk_id, base)
            records.append(
                SourceRecord(
                    source_id=source_id,
                    title=card.title,
                    kind=card.kind,
                    name=card.path.name,
                    file_sha=card.sha256,
                    chunks=len(found),
                    pages=0,
                    added_at=stamp,
                    updated_at=stamp,
                    builtin=True,
                    index_version=INDEX_VERSION,
                    path=location(card.path),
                )
            )
            result.added.append(source_id)
        known = [self.shipped.get(shipped.passage_key(*view)) for _, view, _, _ in chunks]
        unknown = [n for n, vector in enumerate(known) if vector is None]
        if unknown:
            made = embed_passages(self.embedder, [chunks[n][1] for n in unknown])
            for n, vector in zip(unknown, made, strict=True):
                known[n] = vector
        chunk_vectors = [vector for vector in known if vector is not None]
        texts = sorted({question for question, _, _ in questions.values()})
        asked = {q: self.shipped.get(shipped.question_key(q)) for q in texts}
        missing = [q for q, v in asked.items() if v is None]
        asked.update(zip(missing, self.embedder.embed(missing) if missing else [], strict=True))
        written: list[tuple[str, str]] = []
        try:
            for at in range(0, len(chunks), WRITE_PAGE):
                page = chunks[at : at + WRITE_PAGE]
                self.store.upsert(
                    [i for i, _, _, _ in page],
                    chunk_vectors[at : at + WRITE_PAGE],
                    [text for _, _, text, _ in page],
                    [m.to_store() for _, _, _, m in page],
                )
                written += [(i, "chunks") for i, _, _, _ in page]
            rows = sorted(questions)
            for at in range(0, len(rows), WRITE_PAGE):
                page = rows[at : at + WRITE_PAGE]
                self.store.upsert(
                    page,
                    [asked[questions[i][0]] for i in page],
                    [questions[i][0] for i in page],
                    [
                        QuestionMeta(
                            questions[i][2].source_id, questions[i][2].file_sha, questions[i][1]
                        ).to_store()
                        for i in page
                    ],
                    of="questions",
                )
                written += [(i, "questions") for i in page]
            self.store.put_sources(records)
        except BaseException:
            for of in ("chunks", "questions"):
                try:
                    self.store.delete_ids([i for i, kind in written if kind == of], of=of)
                except CoachError:
                    pass
            raise
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
            and previous.index_version == INDEX_VERSION
        ):
            return self._keep(previous, loaded.path)
        old_ids = self.store.chunk_ids(source_id)
        base = self._base_meta(loaded, source_id, builtin)
        chunker = Chunker(source_id, keep_whole=builtin, line_numbers=loaded.kind == "text")
        job = _Job(
            old_ids,
            reuse=previous is not None and previous.index_version == INDEX_VERSION,
            old_question_ids=self.store.chunk_ids(source_id, of="questions"),
        )
        try:
            for batch, pages_done in self._batches(loaded, chunker):
                self._write(batch, base, job)
                if progress:
                    progress(Progress(source_id, pages_done, loaded.pages, len(job.written)))
            if not job.written:
                raise InputError(f"{loaded.path.name}: no text to index")
            stamp = now()
            self.store.put_source(
                SourceRecord(
                    source_id=source_id,
                    title=loaded.title,
                    kind=loaded.kind,
                    name=loaded.path.name,
                    file_sha=loaded.sha256,
                    chunks=len(job.written),
                    pages=loaded.pages or 0,
                    added_at=previous.added_at if previous else stamp,
                    updated_at=stamp,
                    builtin=builtin,
                    index_version=INDEX_VERSION,
                    path=location(loaded.path),
                )
            )
        except BaseException:
            self._roll_back(job)
            raise
        written, embedded = job.written, job.embedded
        stale = old_ids - written
        self.store.delete_ids(stale)
        self.store.delete_ids(job.old_question_ids - job.written_questions, of="questions")
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

    def _write(self, batch: list[Chunk], base: ChunkMeta, job: _Job) -> None:
        """Embed what is new, reuse stored vectors of unchanged chunks, upsert the batch.

        Before a stored chunk is overwritten its vector and metadata are saved, so a
        failure later in the ingest can put the previous version back exactly.
        """
        stored = self.store.existing([c.chunk_id for c in batch if c.chunk_id in job.old_ids])
        for chunk_id, saved in stored.items():
            job.saved.setdefault(chunk_id, saved)
        keys = {c.chunk_id: vector_key(self._view(c, base)) for c in batch}
        vectors = {
            i: vector
            for i, (vector, meta) in stored.items()
            if job.reuse and meta.get("vector_key") == keys[i]  # same head and text
        }
        for chunk in batch:  # a built-in card's vector ships with the package
            known = self.shipped.get(shipped.passage_key(*self._view(chunk, base)))
            if chunk.chunk_id not in vectors and known is not None:
                vectors[chunk.chunk_id] = known
        fresh = [c for c in batch if c.chunk_id not in vectors]
        if fresh:
            embedded = embed_passages(self.embedder, [self._view(c, base) for c in fresh])
            vectors.update(zip((c.chunk_id for c in fresh), embedded, strict=True))
        self.store.upsert(
            [c.chunk_id for c in batch],
            [vectors[c.chunk_id] for c in batch],
            [c.text for c in batch],
            [self._chunk_meta(c, base, keys[c.chunk_id]).to_store() for c in batch],
        )
        job.written.update(c.chunk_id for c in batch)
        job.embedded += len(fresh)
        self._write_questions(batch, base, job)

    def _write_questions(self, batch: list[Chunk], base: ChunkMeta, job: _Job) -> None:
        """Store a vector per card question, reusing stored ones, embedding each text once.

        Ids are ``<chunk id>#<hash of the question>``: like chunk ids they name their text,
        so an edited question is a new record (the old one is deleted after the commit, or
        kept if the ingest fails) and never overwrites another question's vector. A
        question already stored for this source keeps its vector even when the card's
        body (and so its chunk id) changed.
        """
        texts = [q for q in base.questions if q.strip()]
        hashes = {question: content_hash(question) for question in texts}
        if not hashes:
            return
        rows = [
            (f"{chunk.chunk_id}#{digest}", chunk.chunk_id, question)
            for chunk in batch
            for question, digest in hashes.items()
        ]
        overwritten = self.store.existing(
            [i for i, _, _ in rows if i in job.old_question_ids], of="questions"
        )
        for question_id, saved in overwritten.items():
            job.saved_questions.setdefault(question_id, saved)
        vectors = self._stored_question_vectors(hashes, job) if job.reuse else {}
        for question in hashes:
            known = self.shipped.get(shipped.question_key(question))
            if question not in vectors and known is not None:
                vectors[question] = known
        fresh = [q for q in hashes if q not in vectors]
        if fresh:
            vectors.update(zip(fresh, self.embedder.embed(fresh), strict=True))
        self.store.upsert(
            [i for i, _, _ in rows],
            [vectors[q] for _, _, q in rows],
            [q for _, _, q in rows],
            [QuestionMeta(base.source_id, base.file_sha, chunk).to_store() for _, chunk, _ in rows],
            of="questions",
        )
        job.written_questions.update(i for i, _, _ in rows)

    def _stored_question_vectors(self, hashes: dict[str, str], job: _Job) -> dict[str, np.ndarray]:
        """Question text -> the vector this source already stores for it (any chunk)."""
        by_hash = {i.rsplit("#", 1)[-1]: i for i in sorted(job.old_question_ids)}
        wanted = {q: by_hash[h] for q, h in hashes.items() if h in by_hash}
        stored = self.store.existing(sorted(set(wanted.values())), of="questions")
        return {q: stored[i][0] for q, i in wanted.items() if i in stored}

    def _roll_back(self, job: _Job) -> None:
        # Each step on its own: chunks and questions are separate collections, and one
        # failing must not leave the other half-restored. Uncommitted records stay
        # invisible to readers, and the next ingest cleans them up.
        for undo in (
            lambda: self.store.delete_ids(job.written - job.old_ids),
            lambda: self.store.restore(job.saved),
            lambda: self.store.delete_ids(
                job.written_questions - job.old_question_ids, of="questions"
            ),
            lambda: self.store.restore(job.saved_questions, of="questions"),
        ):
            try:
                undo()
            except CoachError:
                continue

    # ---------------------------------------------------------------- metadata

    @staticmethod
    def _base_meta(loaded: LoadedSource, source_id: str, builtin: bool) -> ChunkMeta:
        meta = loaded.meta
        card = builtin and bool(meta.get("id"))
        references = (
            tuple(Reference.from_dict(r) for r in meta.get("sources") or []) if card else ()
        )
        return ChunkMeta(
            source_id=source_id,
            file_sha=loaded.sha256,
            title=loaded.title,
            kind=loaded.kind,
            builtin=builtin,
            # what a citation names: the cited works for cards, the file for user sources
            cite="; ".join(r.label for r in references) or loaded.path.name,
            criteria=tuple(str(c) for c in meta.get("criteria") or []),
            card_id=str(meta["id"]) if card else "",
            questions=tuple(str(q) for q in meta.get("questions") or []) if card else (),
            related=tuple(CARD_PREFIX + str(c) for c in meta.get("related") or []) if card else (),
            audience=tuple(str(a) for a in meta.get("audience") or []) if card else (),
            references=references,
        )

    @staticmethod
    def _chunk_meta(chunk: Chunk, base: ChunkMeta, key: str) -> ChunkMeta:
        return dataclasses.replace(
            base,
            locator=chunk.locator,
            start=chunk.start,
            end=chunk.end,
            page=chunk.page,
            vector_key=key,
        )

    @staticmethod
    def _view(chunk: Chunk, base: ChunkMeta) -> tuple[str, str]:
        return index_head(base.title, chunk.locator, " ".join(base.criteria)), chunk.text
