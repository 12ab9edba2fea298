"""Hybrid retrieval with citations: BM25 and vector search, fused.

BM25 (``bm25s``) catches exact words ("pledge", "Tuesday meeting"); the vector search
catches paraphrase ("what should I ask people to do"). Two fusions are available:

* ``convex`` (default): each list's scores are divided by its best score and mixed,
  ``VECTOR_WEIGHT`` for the vector list and the rest for BM25 (Bruch et al., 2023, found
  such a convex combination beats RRF when the scores carry information).
* ``rrf``: reciprocal rank fusion, ``1 / (RRF_K + rank)`` summed over the lists.

On our retrieval check set convex fusion was clearly better (see docs/library.md); both
stay available so the numbers can be re-measured. After fusion, the cards that the best
result's card lists as ``related`` are lifted towards it (:func:`lift_related`). Ties are
broken by chunk id, so the same query on the same library always gives the same order.
Every result is a :class:`Passage` that carries its source, locator and offsets — never a
bare string.

The BM25 index lives in this process but is keyed on the store's fingerprint (chunk count
plus the manifest of committed sources), so a change made by any other process is seen on
the next query. The vector index is kept fresh the same way: an embedded Chroma client
holds its vectors in memory and does not see vectors other processes add, so when the
fingerprint changes the store reopens its client (:meth:`coach.store.Store.refresh`).
Only committed chunks are indexed or returned. One Retriever may serve several threads
(the app shares one); it keeps no per-query state (only the vectors of the rubric's guidance
queries, which are the same for everyone).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import InputError
from coach.ingest import Ingester, SyncResult, embed_passages, index_text
from coach.settings import Settings
from coach.store import Store, StoredChunk, chunk_filter, criterion_key

RRF_K = 60
#: Rubric guidance queries whose vectors are kept (one per criterion and rubric).
MAX_CACHED_QUERIES = 256
CANDIDATES = 50
METHODS = ("hybrid", "bm25", "vector")
FUSIONS = ("convex", "rrf")
VECTOR_WEIGHT = 0.65
#: Share of the best result's score added to the cards its card lists as ``related``.
RELATED_LIFT = 0.3
#: A lifted card's score stays just below the best result's.
RELATED_CEILING = 0.999
#: At most this many linked cards are lifted (those already scoring best), so a card
#: with many links cannot fill the top results by itself.
RELATED_MAX = 3
#: List weights per fusion. "draft" is the similarity to the writer's draft (guidance_for).
WEIGHTS = {
    "convex": {"vector": VECTOR_WEIGHT, "bm25": 1 - VECTOR_WEIGHT, "draft": 0.25},
    "rrf": {"vector": 1.0, "bm25": 1.0, "draft": 0.5},
}

Ranked = list[tuple[StoredChunk, float]]


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything needed to cite it."""

    text: str
    source_id: str
    title: str
    source: str  # the work cited: a card's source text, or the user's file name
    locator: str  # "p. 12", "Narrative and framing", "Setup > Install", "lines 3–9"
    chunk_id: str
    start: int
    end: int
    score: float
    criteria: tuple[str, ...] = ()
    #: Source ids of the cards this card says to read alongside it (empty for users' files).
    related: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        """How we print the reference: title — source, locator."""
        where = ", ".join(part for part in (self.source, self.locator) if part)
        return f"{self.title} — {where}" if where else self.title

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["criteria"] = list(self.criteria)
        data["related"] = list(self.related)
        data["citation"] = self.citation
        return data


def passage_from(chunk: StoredChunk, score: float) -> Passage:
    meta = chunk.meta
    locator = str(meta.get("locator") or "")
    if meta.get("builtin") and meta.get("section"):
        locator = " > ".join(p for p in (str(meta["section"]), locator) if p)
    return Passage(
        text=chunk.text,
        source_id=str(meta.get("source_id", "")),
        title=str(meta.get("title", "")),
        source=str(meta.get("cite", "")),
        locator=locator,
        chunk_id=chunk.chunk_id,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        score=round(float(score), 6),
        criteria=tuple(str(meta.get("criteria", "")).split()),
        related=tuple(str(meta.get("related", "")).split()),
    )


def _stemmer():
    """English Snowball stemmer from PyStemmer when installed; plain tokens otherwise."""
    try:
        import Stemmer
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return Stemmer.Stemmer("english").stemWords


class _Bm25Index:
    """BM25 over the committed chunks, built once per store fingerprint."""

    def __init__(self, chunks: list[StoredChunk], stem):
        import bm25s

        self.chunks = chunks
        self._stem = stem
        self.model = bm25s.BM25()
        corpus = [self.tokens(_indexed(c)) for c in chunks]
        self.model.index(corpus or [["empty"]], show_progress=False)
        self.related = related_sources(chunks)
        self.by_source: dict[str, list[StoredChunk]] = {}
        for chunk in chunks:
            self.by_source.setdefault(str(chunk.meta.get("source_id")), []).append(chunk)

    def tokens(self, text: str) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize(
            [text], stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False
        )
        return list(tokens[0]) if tokens else []

    def rank(self, query: str, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """(chunk index, score) best first; ties broken by chunk id for determinism."""
        if not self.chunks:
            return []
        known = [t for t in self.tokens(query) if t in self.model.vocab_dict]
        if not known:
            return []
        scores = np.asarray(self.model.get_scores(known), dtype=np.float64)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        hits = [int(i) for i in np.flatnonzero(scores > 0)]
        hits.sort(key=lambda i: (-scores[i], self.chunks[i].chunk_id))
        return [(i, float(scores[i])) for i in hits]


def related_sources(chunks: Sequence[StoredChunk]) -> dict[str, set[str]]:
    """Source id -> the sources linked to it by a card's ``related`` list, both ways.

    A link is symmetric: if the card on asking well names the card on one ask, a reader
    who lands on either one should be shown the other.
    """
    links: dict[str, set[str]] = {}
    for chunk in chunks:
        source = str(chunk.meta.get("source_id"))
        for other in str(chunk.meta.get("related", "")).split():
            if other != source:
                links.setdefault(source, set()).add(other)
                links.setdefault(other, set()).add(source)
    return links


def _indexed(chunk: StoredChunk) -> str:
    meta = chunk.meta
    return index_text(
        chunk.text,
        str(meta.get("title", "")),
        str(meta.get("locator", "")),
        str(meta.get("criteria", "")),
        str(meta.get("questions", "")),
    )


@dataclass(frozen=True)
class _Filters:
    source: str | Sequence[str] | None = None
    criterion: str | None = None
    builtin: bool | None = None

    @property
    def active(self) -> bool:
        return bool(self.source or self.criterion or self.builtin is not None)

    def where(self) -> dict[str, Any] | None:
        return chunk_filter(self.source, self.criterion, self.builtin)

    def matches(self, meta: dict[str, Any]) -> bool:
        sources = [self.source] if isinstance(self.source, str) else self.source
        if sources and meta.get("source_id") not in sources:
            return False
        if self.criterion and not meta.get(criterion_key(self.criterion)):
            return False
        return self.builtin is None or bool(meta.get("builtin")) == self.builtin


def fuse_rrf(rankings: Sequence[tuple[Ranked, float]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of (ranked list, weight); best first, ties by chunk id."""
    scores: dict[str, float] = {}
    for ranked, weight in rankings:
        for rank, (chunk, _) in enumerate(ranked, start=1):
            scores[chunk.chunk_id] = scores.get(chunk.chunk_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fuse_convex(rankings: Sequence[tuple[Ranked, float]]) -> list[tuple[str, float]]:
    """Weighted sum of scores scaled by each list's best (a missing entry counts 0)."""
    scores: dict[str, float] = {}
    for ranked, weight in rankings:
        top = max((score for _, score in ranked), default=0.0)
        if top <= 0:
            continue
        for chunk, score in ranked:
            share = weight * max(score, 0.0) / top
            scores[chunk.chunk_id] = scores.get(chunk.chunk_id, 0.0) + share
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def lift_related(
    fused: list[tuple[str, float]],
    pool: dict[str, StoredChunk],
    links: dict[str, set[str]],
    by_source: dict[str, list[StoredChunk]],
    allowed: Callable[[dict[str, Any]], bool] = lambda meta: True,
) -> list[tuple[str, float]]:
    """Lift the cards linked to the best result by ``RELATED_LIFT`` x its score.

    Questions often need two cards ("my speech ends with a list of ten things to do" wants
    both "one ask, not a menu" and "make one specific, doable ask"). The embedder finds the
    first and ranks the second below look-alikes; a card's hand-written ``related`` list
    says which cards answer the same problem from another angle (cluster-based retrieval).
    Only the top result lends its score, so a weak match lifts nothing much; at most
    ``RELATED_MAX`` linked cards are lifted, and a lifted card never passes the card that
    lifted it (the best match stays first). A lifted passage's ``score`` is its lifted
    score. ``links`` come from :func:`related_sources`, ``by_source`` holds each source's
    chunks, ``allowed`` is the search's filter. ``pool`` gains any lifted chunk the rankers
    had not returned.
    """
    if not fused or RELATED_LIFT <= 0:
        return fused
    top_id, top_score = fused[0]
    linked = links.get(str(pool[top_id].meta.get("source_id")), set())
    if not linked:
        return fused
    scores = dict(fused)
    candidates = []
    for source in sorted(linked):
        chunks = [c for c in by_source.get(source, []) if allowed(c.meta)]
        if chunks:
            candidates.append(min(chunks, key=lambda c: (-scores.get(c.chunk_id, 0.0), c.chunk_id)))
    candidates.sort(key=lambda c: (-scores.get(c.chunk_id, 0.0), c.chunk_id))
    for best in candidates[:RELATED_MAX]:
        own = scores.get(best.chunk_id, 0.0)
        scores[best.chunk_id] = max(
            own, min(own + RELATED_LIFT * top_score, top_score * RELATED_CEILING)
        )
        pool[best.chunk_id] = best
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


class Retriever:
    """Search the library. Syncs the built-in corpus on first use when given its folder."""

    def __init__(
        self, store: Store, embedder, corpus_dir: Path | None = None, fusion: str = "convex"
    ):
        if fusion not in FUSIONS:
            raise InputError(f"unknown fusion {fusion!r} (use {', '.join(FUSIONS)})")
        self.store = store
        self.embedder = embedder
        self.corpus_dir = corpus_dir
        self.fusion = fusion
        self.last_sync: SyncResult | None = None
        self._synced = corpus_dir is None
        self._bm25: tuple[str, _Bm25Index] | None = None
        self._stem = _stemmer()
        self._lock = threading.Lock()
        self._query_vectors: dict[str, np.ndarray] = {}

    @classmethod
    def from_settings(cls, settings: Settings, embedder=None, fusion: str = "convex") -> Retriever:
        if embedder is None:
            from coach.embeddings import Embedder

            embedder = Embedder()
        store = Store.open(settings, embedder.model_id, embedder.dimension)
        return cls(store, embedder, settings.corpus_dir, fusion)

    def sync_corpus(self) -> SyncResult:
        """Index new or changed built-in cards now (a hash check when nothing changed).

        Holds the library's lock, so processes starting together index the cards once.
        """
        self._synced = True
        if self.corpus_dir is None or not self.corpus_dir.is_dir():
            self.last_sync = SyncResult()
        else:
            with self.store.exclusive():
                ingester = Ingester(self.store, self.embedder)
                self.last_sync = ingester.sync_corpus(self.corpus_dir)
        return self.last_sync

    def ensure_corpus(self) -> None:
        """Sync the built-in cards once per Retriever (searches call this themselves)."""
        if not self._synced:
            self.sync_corpus()

    # ---------------------------------------------------------------- search

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        source: str | Sequence[str] | None = None,
        criterion: str | None = None,
        builtin: bool | None = None,
        method: str = "hybrid",
    ) -> list[Passage]:
        """Top ``k`` passages for ``query``; filters narrow by source id, criterion, built-in.

        ``score`` is the fused score for hybrid, the BM25 score for bm25 and the cosine
        similarity for vector.
        """
        if method not in METHODS:
            raise InputError(f"unknown retrieval method {method!r} (use {', '.join(METHODS)})")
        if not query or not query.strip():
            raise InputError("the question is empty")
        if k <= 0:
            return []
        index, committed = self._snapshot()
        filters = _Filters(source, criterion, builtin)
        rankings: list[tuple[str, Ranked]] = []
        if method in ("hybrid", "bm25"):
            rankings.append(("bm25", self._bm25_rank(index, query, filters)))
        if method in ("hybrid", "vector"):
            vector = self.embedder.embed([query])[0]
            rankings.append(("vector", self._vector_rank(committed, vector, filters)))
        if method != "hybrid":
            return [passage_from(chunk, score) for chunk, score in rankings[0][1][:k]]
        return self._fused(rankings, k, index, filters)

    def guidance_for(
        self,
        criterion_id: str,
        query_text: str,
        draft_text: str | None = None,
        k: int = 2,
        *,
        draft_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        """Cited guidance for one weak criterion, for the coaching module.

        Searches passages tagged with the criterion using the rubric's guidance query;
        the draft, when given, nudges the order towards cards close to what the writer is
        talking about. Pass ``draft_vector`` (from :meth:`draft_vector`) when asking for
        several criteria, so the draft is embedded once rather than once per criterion.
        Tops up from all sources if fewer than ``k`` are tagged.
        """
        if not query_text or not query_text.strip():
            raise InputError(f"criterion {criterion_id!r} has an empty guidance query")
        index, committed = self._snapshot()
        filters = _Filters(None, criterion_id, None)
        rankings = [
            ("bm25", self._bm25_rank(index, query_text, filters)),
            ("vector", self._vector_rank(committed, self._guidance_vector(query_text), filters)),
        ]
        if draft_vector is None and draft_text and draft_text.strip():
            draft_vector = self.draft_vector(draft_text)
        if draft_vector is not None:
            rankings.append(("draft", self._vector_rank(committed, draft_vector, filters)))
        found = self._fused(rankings, k, index, filters)
        if len(found) < k:
            seen = {p.chunk_id for p in found}
            extra = [p for p in self.search(query_text, 2 * k) if p.chunk_id not in seen]
            found += extra[: k - len(found)]
        return found

    def draft_vector(self, draft_text: str) -> np.ndarray:
        """The whole draft as one vector (mean of its windows).

        Returned to the caller, never kept on the Retriever: the app shares one Retriever
        between sessions, and a vector cached here would be derived from someone's draft.
        """
        return embed_passages(self.embedder, [("", draft_text)])[0]

    def _guidance_vector(self, query_text: str) -> np.ndarray:
        """The vector of a rubric guidance query, kept: rubric text is the same for everyone."""
        with self._lock:
            vector = self._query_vectors.get(query_text)
        if vector is None:
            vector = self.embedder.embed([query_text])[0]
            with self._lock:
                if len(self._query_vectors) >= MAX_CACHED_QUERIES:
                    self._query_vectors.clear()
                self._query_vectors[query_text] = vector
        return vector

    # ---------------------------------------------------------------- rankers

    def _fused(
        self, rankings: list[tuple[str, Ranked]], k: int, index: _Bm25Index, filters: _Filters
    ) -> list[Passage]:
        weights = WEIGHTS[self.fusion]
        weighted = [(ranked, weights[role]) for role, ranked in rankings]
        fused = fuse_convex(weighted) if self.fusion == "convex" else fuse_rrf(weighted)
        pool = {chunk.chunk_id: chunk for _, ranked in rankings for chunk, _ in ranked}
        fused = lift_related(fused, pool, index.related, index.by_source, filters.matches)
        return [passage_from(pool[chunk_id], score) for chunk_id, score in fused[:k]]

    def _snapshot(self) -> tuple[_Bm25Index, dict[str, str]]:
        """The BM25 index and committed-source map for the store as it is now."""
        self.ensure_corpus()
        key, committed = self.store.fingerprint()
        self.store.refresh(key)  # embedded mode: let vector search see others' new chunks
        if self._bm25 is None or self._bm25[0] != key:
            chunks = [
                c
                for c in self.store.iter_chunks()
                if committed.get(c.meta.get("source_id")) == c.meta.get("file_sha")
            ]
            chunks.sort(key=lambda c: c.chunk_id)
            self._bm25 = (key, _Bm25Index(chunks, self._stem))
        return self._bm25[1], committed

    @staticmethod
    def _bm25_rank(index: _Bm25Index, query: str, filters: _Filters) -> Ranked:
        mask = None
        if filters.active:
            mask = np.array([filters.matches(c.meta) for c in index.chunks], dtype=bool)
        return [(index.chunks[i], s) for i, s in index.rank(query, mask)[:CANDIDATES]]

    def _vector_rank(self, committed: dict[str, str], vector, filters: _Filters) -> Ranked:
        rows = self.store.query(vector, CANDIDATES, filters.where())
        ranked = [
            (chunk, 1.0 - distance)
            for chunk, distance in rows
            if committed.get(chunk.meta.get("source_id")) == chunk.meta.get("file_sha")
        ]
        ranked.sort(key=lambda row: (-round(row[1], 6), row[0].chunk_id))
        return ranked
