"""A small adapter over Chroma: chunk vectors plus a manifest of committed sources.

Three collections live in one Chroma database (embedded under ``data_dir/chroma`` or a
server given by ``settings.chroma_url``):

* ``coach_chunks`` — one record per chunk: our own embedding, the display text, and
  metadata for citations and filters. It is created with ``embedding_function=None`` so
  Chroma never falls back to its default model (which downloads weights and fails
  offline), and it records the embedding model id; a store built with another model is
  refused instead of silently mixing vector spaces.
* ``coach_questions`` — the vectors of the questions a card says it answers, one record
  per question, keyed ``<chunk id>#<hash of the question>`` and tied to its chunk by
  ``chunk_id``. The retriever compares a user's question with them (people ask alike; see
  coach.library.ranker).
* ``coach_sources`` — one record per source, the *commit point* of an ingest. A chunk
  counts only when its ``(source_id, file_sha)`` matches a manifest record, so readers
  never see a half-written source, whichever process wrote it. Chroma needs a vector per
  record, so manifest records carry a constant one-dimensional placeholder.

Embedded Chroma is a library inside each process, not a server, so two things need care
when several processes share ``data_dir`` (parallel CLI runs, app replicas):

* Opening a fresh library creates its tables; two processes doing it at once fail
  ("table collections already exists"). Opening, and syncing the built-in cards (see
  :meth:`Store.exclusive`), hold an inter-process file lock, ``data_dir/chroma.lock``.
* Each process keeps its vector index in memory and never sees vectors another process
  added, although reads by id or metadata do. :meth:`Store.refresh` reopens the client
  when the library changed since it was opened, so vector search sees the new chunks.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from coach.errors import ServiceError
from coach.library.chunkmeta import ChunkMeta, QuestionMeta, audience_key, criterion_key
from coach.settings import Settings

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no inter-process lock
    fcntl = None  # type: ignore[assignment]

CHUNKS = "coach_chunks"
QUESTIONS = "coach_questions"
SOURCES = "coach_sources"
SCHEMA = "narrative-coach/library/v1"
_PLACEHOLDER = [1.0]
_PAGE = 1000
LOCK_FILE = "chroma.lock"


@dataclass(frozen=True)
class SourceRecord:
    """A committed source as listed by ``coach sources``."""

    source_id: str
    title: str
    kind: str
    name: str  # file name it came from
    file_sha: str
    chunks: int
    pages: int  # 0 when the format has no pages
    added_at: str
    updated_at: str
    builtin: bool = False
    index_version: str = ""
    path: str = ""  # where the file was when ingested (absolute); "" in older libraries

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StoredChunk:
    """A record as Chroma returns it; read its metadata through ``info`` or ``question``."""

    chunk_id: str
    text: str
    meta: dict[str, Any]

    @cached_property
    def info(self) -> ChunkMeta:
        return ChunkMeta.from_store(self.meta)

    @cached_property
    def question(self) -> QuestionMeta:
        """For a card-question record: the chunk (card) the question belongs to."""
        return QuestionMeta.from_store(self.meta)


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _probe_writable(path: Path) -> None:
    """Fail early and clearly when the data directory cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ServiceError(
            f"the data directory {path} is not writable ({exc.strerror or exc}); "
            "set COACH_DATA_DIR to a folder you can write to"
        ) from exc


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` shared by all processes of this machine (flock)."""
    with path.open("a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _close(client) -> None:
    try:
        client.close()
    except Exception:  # closing a half-opened client is best effort
        pass


def make_client(settings: Settings):
    """PersistentClient under data_dir/chroma, or HttpClient when chroma_url is set."""
    import chromadb

    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ServiceError(
                f"COACH_CHROMA_URL must look like http://host:port, got {settings.chroma_url!r}"
            )
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            client = chromadb.HttpClient(
                host=url.hostname,
                port=port,
                ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )
            client.heartbeat()
        except Exception as exc:  # connection errors come in many types
            raise ServiceError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}"
            ) from exc
        return client
    path = settings.data_dir / "chroma"
    _probe_writable(path)
    try:
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    except Exception as exc:
        raise ServiceError(f"cannot open the source library at {path}: {exc}") from exc


def _where(conditions: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    conditions = [c for c in conditions if c]
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": list(conditions)}


def chunk_filter(
    source: str | Sequence[str] | None = None,
    criterion: str | None = None,
    builtin: bool | None = None,
    audience: str | None = None,
) -> dict[str, Any] | None:
    """A Chroma ``where`` for the retrieval filters (source ids, criterion, built-in, and
    the audience a card is for — a user's own documents are for everyone)."""
    conditions: list[dict[str, Any]] = []
    if audience:
        conditions.append({"$or": [{"builtin": False}, {audience_key(audience): True}]})
    if isinstance(source, str):
        conditions.append({"source_id": source})
    elif source:
        conditions.append({"source_id": {"$in": list(source)}})
    if criterion:
        conditions.append({criterion_key(criterion): True})
    if builtin is not None:
        conditions.append({"builtin": builtin})
    return _where(conditions)


class VectorStore(Protocol):
    """What the ingester and the retriever need from a store (``Store`` is the Chroma one).

    ``of`` is ``"chunks"`` or ``"questions"`` (a card's question vectors).
    """

    embedded: bool

    def exclusive(self) -> AbstractContextManager[None]: ...
    def refresh(self, key: str) -> bool: ...
    def existing(
        self, ids: Sequence[str], *, of: str = "chunks"
    ) -> dict[str, tuple[np.ndarray, dict[str, Any]]]: ...
    def upsert(
        self,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        *,
        of: str = "chunks",
    ) -> None: ...
    def restore(
        self, saved: dict[str, tuple[np.ndarray, dict[str, Any]]], *, of: str = "chunks"
    ) -> None: ...
    def delete_ids(self, ids: Iterable[str], *, of: str = "chunks") -> None: ...
    def chunk_ids(self, source_id: str, *, of: str = "chunks") -> set[str]: ...
    def iter_chunks(self) -> Iterator[StoredChunk]: ...
    def question_vectors(self) -> Iterator[tuple[StoredChunk, np.ndarray]]: ...
    def query(
        self, embedding: Sequence[float], n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]: ...
    def sources(self) -> list[SourceRecord]: ...
    def get_source(self, source_id: str) -> SourceRecord | None: ...
    def find_by_sha(self, file_sha: str) -> SourceRecord | None: ...
    def put_source(self, record: SourceRecord) -> None: ...
    def put_sources(self, records: Sequence[SourceRecord]) -> None: ...
    def count(self) -> int: ...
    def delete_source(self, source_id: str) -> None: ...
    def fingerprint(self) -> tuple[str, dict[str, str]]: ...


class Store:
    """Chunks and the source manifest in Chroma, for one embedding model.

    Safe to share between threads: calls are serialised so that :meth:`refresh` never
    swaps the client under a running query.
    """

    def __init__(
        self,
        connect: Callable[[], Any],
        model_id: str,
        dimension: int,
        where: str,
        *,
        lock_path: Path | None = None,
    ):
        """``connect`` makes a Chroma client; ``lock_path`` is set for an embedded library."""
        self.model_id = model_id
        self.dimension = dimension
        self.where = where
        self._connect = connect
        self._lock_path = lock_path
        self._guard = threading.RLock()
        self._locked = False
        self._opened_key = ""
        with self.exclusive():
            self._open()

    @classmethod
    def open(cls, settings: Settings, model_id: str, dimension: int) -> Store:
        if settings.chroma_url:
            return cls(lambda: make_client(settings), model_id, dimension, settings.chroma_url)
        path = settings.data_dir / "chroma"
        _probe_writable(path)
        return cls(
            lambda: make_client(settings),
            model_id,
            dimension,
            str(path),
            lock_path=settings.data_dir / LOCK_FILE,
        )

    @property
    def embedded(self) -> bool:
        return self._lock_path is not None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the library: other threads wait, and so do other processes (embedded mode).

        Re-entrant in one thread. Used for opening and for syncing the built-in cards, so
        parallel first runs do not all create tables and index the same cards at once.
        """
        with self._guard:
            if self._lock_path is None or self._locked:
                yield
                return
            with file_lock(self._lock_path):
                self._locked = True
                try:
                    yield
                finally:
                    self._locked = False

    def refresh(self, key: str) -> bool:
        """Reopen an embedded library that changed (``key``: :meth:`fingerprint`) since opened.

        An embedded Chroma client keeps its vector index in memory, and vectors another
        process added never reach it; a fresh client loads them. Returns True if reopened.
        """
        if not self.embedded or key == self._opened_key:
            return False
        self._reopen()
        return True

    def _reopen(self) -> None:
        with self.exclusive():
            _close(self._client)
            self._open()

    def _open(self) -> None:
        """Connect and open the collections, retrying once (then the error is the user's)."""
        for attempt in (1, 2):
            client = None
            try:
                client = self._connect()
                chunks, questions = (
                    client.get_or_create_collection(
                        name,
                        embedding_function=None,
                        configuration={"hnsw": {"space": "cosine"}},
                        metadata={
                            "embedding_model": self.model_id,
                            "dimension": self.dimension,
                            "schema": SCHEMA,
                        },
                    )
                    for name in (CHUNKS, QUESTIONS)
                )
                sources = client.get_or_create_collection(
                    SOURCES, embedding_function=None, metadata={"schema": SCHEMA}
                )
                break
            except Exception as exc:
                if client is not None:
                    _close(client)
                if attempt == 2:
                    if isinstance(exc, ServiceError):
                        raise
                    raise ServiceError(
                        f"cannot open the source library at {self.where}: {exc}"
                    ) from exc
        built_with = (chunks.metadata or {}).get("embedding_model")
        if built_with != self.model_id:
            _close(client)
            raise ServiceError(
                f"the source library at {self.where} was built with embedding model "
                f"{built_with or 'unknown'!r}, but this Narrative Coach embeds with "
                f"{self.model_id!r}; vectors from different models cannot be mixed. Use "
                "another data directory (COACH_DATA_DIR) or delete the library and ingest "
                "your sources again."
            )
        self._client, self._chunks, self._sources = client, chunks, sources
        self._questions = questions
        if self.embedded:
            self._opened_key = self.fingerprint()[0]

    # ------------------------------------------------------------ chunks

    def _call(self, what: str, collection: str, method: str, **kwargs):
        """``self.<collection>.<method>(**kwargs)``, looked up under the guard (see refresh)."""
        with self._guard:
            try:
                return getattr(getattr(self, collection), method)(**kwargs)
            except ServiceError:
                raise
            except Exception as exc:
                raise ServiceError(f"source library ({self.where}): {what} failed: {exc}") from exc

    def count(self) -> int:
        return int(self._call("count", "_chunks", "count"))

    def existing(
        self, ids: Sequence[str], *, of: str = "chunks"
    ) -> dict[str, tuple[np.ndarray, dict[str, Any]]]:
        """Embedding and metadata of those ``ids`` that are already stored.

        ``of`` is ``"chunks"`` or ``"questions"`` (a card's question vectors), here and in
        the other methods that write or delete by id.
        """
        if not ids:
            return {}
        got = self._call(
            "read", _attr(of), "get", ids=list(ids), include=["embeddings", "metadatas"]
        )
        return {
            i: (np.asarray(e, dtype=np.float32), dict(m or {}))
            for i, e, m in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True)
        }

    def upsert(
        self,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        *,
        of: str = "chunks",
    ) -> None:
        if ids:
            self._call(
                "write",
                _attr(of),
                "upsert",
                ids=list(ids),
                embeddings=np.asarray(embeddings, dtype=np.float32).tolist(),
                documents=list(documents),
                metadatas=list(metadatas),
            )

    def restore(
        self, saved: dict[str, tuple[np.ndarray, dict[str, Any]]], *, of: str = "chunks"
    ) -> None:
        """Put back the vectors and metadata of chunks an aborted ingest overwrote."""
        if saved:
            ids = list(saved)
            self._call(
                "restore",
                _attr(of),
                "update",
                ids=ids,
                embeddings=[saved[i][0].tolist() for i in ids],
                metadatas=[saved[i][1] for i in ids],
            )

    def delete_ids(self, ids: Iterable[str], *, of: str = "chunks") -> None:
        ids = list(ids)
        for at in range(0, len(ids), _PAGE):
            self._call("delete", _attr(of), "delete", ids=ids[at : at + _PAGE])

    def chunk_ids(self, source_id: str, *, of: str = "chunks") -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            got = self._call(
                "read",
                _attr(of),
                "get",
                where={"source_id": source_id},
                include=[],
                limit=_PAGE,
                offset=offset,
            )
            found.update(got["ids"])
            if len(got["ids"]) < _PAGE:
                return found
            offset += _PAGE

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every stored chunk, committed or not, in pages (callers filter by manifest)."""
        offset = 0
        while True:
            got = self._call(
                "read",
                "_chunks",
                "get",
                include=["documents", "metadatas"],
                limit=_PAGE,
                offset=offset,
            )
            for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield StoredChunk(i, doc or "", dict(meta or {}))
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    def question_vectors(self) -> Iterator[tuple[StoredChunk, np.ndarray]]:
        """Every stored question vector (committed or not; callers filter by manifest).

        The record's text is the question; its metadata names ``chunk_id`` and ``source_id``.
        """
        offset = 0
        while True:
            got = self._call(
                "read",
                "_questions",
                "get",
                include=["documents", "metadatas", "embeddings"],
                limit=_PAGE,
                offset=offset,
            )
            rows = zip(
                got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
            )
            for i, doc, meta, vector in rows:
                yield StoredChunk(i, doc or "", dict(meta or {})), np.asarray(vector, np.float32)
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    def query(
        self, embedding: Sequence[float], n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest chunks with their cosine distance (0 = same direction)."""
        if n <= 0:
            return []
        search = {
            "query_embeddings": [list(map(float, embedding))],
            "n_results": n,
            "where": where,
            "include": ["documents", "metadatas", "distances"],
        }
        try:
            rows = self._rows(self._call("search", "_chunks", "query", **search))
        except ServiceError:
            if not self.embedded:
                raise
            rows = None
        if rows is None or (self.embedded and any(not chunk.meta for chunk, _ in rows)):
            # This process's in-memory index still holds chunks another process deleted:
            # they come back without metadata, or as "Error finding id". Reopen, ask again.
            self._reopen()
            rows = self._rows(self._call("search", "_chunks", "query", **search))
        return [(chunk, distance) for chunk, distance in rows if chunk.meta]

    @staticmethod
    def _rows(got: dict[str, Any]) -> list[tuple[StoredChunk, float]]:
        rows = zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        )
        return [(StoredChunk(i, d or "", dict(m or {})), float(dist)) for i, d, m, dist in rows]

    # ------------------------------------------------------------ manifest

    def sources(self) -> list[SourceRecord]:
        got = self._call("list sources", "_sources", "get", include=["metadatas"])
        records = [_record(m) for m in got["metadatas"] if m]
        return sorted(records, key=lambda r: (r.builtin, r.source_id))

    def get_source(self, source_id: str) -> SourceRecord | None:
        got = self._call("read source", "_sources", "get", ids=[source_id], include=["metadatas"])
        return _record(got["metadatas"][0]) if got["ids"] else None

    def find_by_sha(self, file_sha: str) -> SourceRecord | None:
        got = self._call(
            "read source", "_sources", "get", where={"file_sha": file_sha}, include=["metadatas"]
        )
        return _record(got["metadatas"][0]) if got["ids"] else None

    def put_source(self, record: SourceRecord) -> None:
        """Commit a source: from now on its chunks with this file_sha are visible."""
        self.put_sources([record])

    def put_sources(self, records: Sequence[SourceRecord]) -> None:
        """Commit several sources in one write (a fresh library's cards)."""
        if records:
            self._call(
                "commit source",
                "_sources",
                "upsert",
                ids=[r.source_id for r in records],
                embeddings=[_PLACEHOLDER] * len(records),
                metadatas=[r.to_dict() for r in records],
            )

    def delete_source(self, source_id: str) -> None:
        """Un-commit first (readers stop seeing it), then drop its chunks."""
        self._call("remove source", "_sources", "delete", ids=[source_id])
        self._call("remove chunks", "_chunks", "delete", where={"source_id": source_id})
        self._call("remove questions", "_questions", "delete", where={"source_id": source_id})

    def committed(self, records: Iterable[SourceRecord] | None = None) -> dict[str, str]:
        """source_id -> file_sha of committed sources (the filter readers apply)."""
        return {r.source_id: r.file_sha for r in (self.sources() if records is None else records)}

    def fingerprint(self) -> tuple[str, dict[str, str]]:
        """A cheap key that changes whenever any process changes the library.

        Returns the key and the committed map it was computed from, so a caller can use
        both consistently.
        """
        records = self.sources()
        digest = hashlib.sha256(str(self.count()).encode())
        for r in records:
            digest.update(json.dumps([r.source_id, r.file_sha, r.updated_at]).encode())
        return digest.hexdigest(), self.committed(records)


def _attr(of: str) -> str:
    """The Store attribute holding the collection ``of`` names ("chunks" or "questions")."""
    if of not in ("chunks", "questions"):
        raise ValueError(f"unknown collection {of!r}")
    return f"_{of}"


def _record(meta: dict[str, Any]) -> SourceRecord:
    fields = SourceRecord.__dataclass_fields__
    return SourceRecord(**{k: v for k, v in meta.items() if k in fields})
