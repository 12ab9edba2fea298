"""Hybrid retrieval with citations: BM25, vector search and card questions, fused.

BM25 (``bm25s``) catches exact words ("pledge", "Tuesday meeting"); the vector search
catches paraphrase ("what should I ask people to do"); the vectors of the questions each
card says it answers catch the way people ask. Three fusions are available:

* ``learned`` (default): a logistic regression over the normalised signals
  (:mod:`coach.library.ranker`), fitted on labelled questions; a result's ``score`` is the
  ranker's output (0–1), which orders one search's results (the features are relative to
  the best candidate, so it is no confidence to compare across searches).
* ``convex``: each list's scores are divided by its best score and mixed,
  ``VECTOR_WEIGHT`` for the vector list and the rest for BM25 (Bruch et al., 2023, found
  such a convex combination beats RRF when the scores carry information). The rubric's
  guidance queries (:meth:`Retriever.guidance_for`) use it: the ranker was fitted on
  people's questions, not on rubric text with a draft beside it.
* ``rrf``: reciprocal rank fusion, ``1 / (RRF_K + rank)`` summed over the lists.

All stay available so the numbers can be re-measured (docs/library.md). After fusion,
the cards that the best result's card lists as ``related`` are lifted towards it
(:func:`lift_related`). Ties are broken by chunk id, so the same query on the same
library always gives the same order.
Every result is a :class:`Passage` that carries its source, locator and offsets — never a
bare string.

The BM25 index and the question vectors live in this process, keyed on the store's
fingerprint (chunk count plus the manifest of committed sources), so a change made by any
other process is seen on the next query. The vector index is kept fresh the same way: an
embedded Chroma client holds its vectors in memory and does not see vectors other
processes add, so when the fingerprint changes the store reopens its client
(:meth:`coach.library.store.Store.refresh`). Only committed chunks are indexed or returned. One
Retriever may serve several threads (the app shares one); it keeps no per-query state
(only the vectors of the rubric's guidance queries, which are the same for everyone).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import InputError
from coach.library import shipped
from coach.library.chunkmeta import AUDIENCES, CARD_PREFIX, ChunkMeta, Reference
from coach.library.ingest import Ingester, SyncResult, embed_passages, index_text
from coach.library.ranker import FEATURES, QuestionIndex, Ranker, raw_features, sigmoid
from coach.library.store import Store, StoredChunk, VectorStore, chunk_filter
from coach.settings import Settings
from coach.text.embeddings import MULTILINGUAL_MODEL_ID, MultilingualEmbedder, TextEmbedder

RRF_K = 60
#: Rubric guidance queries whose vectors are kept (one per criterion and rubric).
MAX_CACHED_QUERIES = 256
CANDIDATES = 50
METHODS = ("hybrid", "bm25", "vector")
FUSIONS = ("learned", "convex", "rrf")
VECTOR_WEIGHT = 0.65
#: Share of the best result's score added to the cards its card lists as ``related``.
RELATED_LIFT = 0.3
#: A lifted card's score stays just below the best result's.
RELATED_CEILING = 0.999
#: ... in log-odds, for the learned fusion.
RELATED_GAP = 1e-6
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
    #: Who a card is for (lead, champion, trainer); empty for users' files.
    audience: tuple[str, ...] = ()
    #: The published works a card's advice comes from, each with its locator.
    references: tuple[Reference, ...] = ()

    @property
    def citation(self) -> str:
        """How we print the reference: title — source, locator (each work a card cites)."""
        works = [(r.label, r.locator) for r in self.references] or [(self.source, self.locator)]
        where = "; ".join(", ".join(part for part in work if part) for work in works)
        return f"{self.title} — {where}" if where.strip("; ") else self.title

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["criteria"] = list(self.criteria)
        data["related"] = list(self.related)
        data["audience"] = list(self.audience)
        data["references"] = [r.to_dict() for r in self.references]
        data["citation"] = self.citation
        return data


@dataclass(frozen=True)
class Answer:
    """A search's passages, and whether anything in the library fits the question at all.

    ``fits`` is False when even the best cards are far from the question in absolute
    terms (the learned ranker's fit floor); the caller then says so rather than presenting
    weak matches as answers. Fixed fusions cannot tell, and always say True.
    """

    passages: list[Passage]
    fits: bool = True


def passage_from(chunk: StoredChunk, score: float) -> Passage:
    info = chunk.info
    if info.references:  # a card: the first work it cites is the main one
        source, locator = info.references[0].label, info.references[0].locator
    else:
        source, locator = info.cite, info.locator
    return Passage(
        text=chunk.text,
        source_id=info.source_id,
        title=info.title,
        source=source,
        locator=locator,
        chunk_id=chunk.chunk_id,
        start=info.start,
        end=info.end,
        score=round(float(score), 6),
        criteria=info.criteria,
        related=info.related,
        audience=info.audience,
        references=info.references,
    )


def _stemmer():
    """English Snowball stemmer from PyStemmer when installed; plain tokens otherwise."""
    try:
        import Stemmer
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return Stemmer.Stemmer("english").stemWords


@dataclass(frozen=True)
class CardVectors:
    """The cards' vectors the ranker compares a question with (rows in ``row`` order)."""

    row: dict[str, int]  # chunk id -> row
    minilm: np.ndarray
    e5: np.ndarray
    e5_questions: QuestionIndex


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.size == 0:
        return matrix
    return matrix / np.clip(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12, None)


class _Index:
    """BM25, card links and question vectors of the committed chunks, built per fingerprint."""

    def __init__(
        self,
        chunks: list[StoredChunk],
        stem,
        questions: Sequence[tuple[StoredChunk, np.ndarray]] = (),
    ):
        import bm25s

        self.chunks = chunks
        self.by_id = {chunk.chunk_id: chunk for chunk in chunks}
        self.question_rows = [row for row in questions if row[0].question.chunk_id in self.by_id]
        self.questions = QuestionIndex(self.question_rows)
        asked = set(self.questions.chunk_ids)
        #: The chunks the ranker orders: the cards (they have questions), by chunk id.
        self.cards = [chunk for chunk in chunks if chunk.chunk_id in asked]
        self.vectors: CardVectors | None = None  # set by the retriever that built it
        self.matrix: np.ndarray | None = None  # every chunk's vector, read on first need
        self._stem = stem
        self.model = bm25s.BM25()
        corpus = [self.tokens(_indexed(c)) for c in chunks]
        self.model.index(corpus or [["empty"]], show_progress=False)
        self.related = related_sources(chunks)
        self.by_source: dict[str, list[StoredChunk]] = {}
        for chunk in chunks:
            self.by_source.setdefault(chunk.info.source_id, []).append(chunk)

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
        source = chunk.info.source_id
        for other in chunk.info.related:
            if other != source:
                links.setdefault(source, set()).add(other)
                links.setdefault(other, set()).add(source)
    return links


def _indexed(chunk: StoredChunk) -> str:
    info = chunk.info
    return index_text(
        chunk.text, info.title, info.locator, " ".join(info.criteria), "\n".join(info.questions)
    )


@dataclass(frozen=True)
class _Filters:
    source: str | Sequence[str] | None = None
    criterion: str | None = None
    builtin: bool | None = None
    audience: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.source or self.criterion or self.builtin is not None or self.audience)

    def where(self) -> dict[str, Any] | None:
        return chunk_filter(self.source, self.criterion, self.builtin, self.audience)

    def matches(self, info: ChunkMeta) -> bool:
        sources = [self.source] if isinstance(self.source, str) else self.source
        if sources and info.source_id not in sources:
            return False
        if self.criterion and self.criterion not in info.criteria:
            return False
        if self.audience and info.builtin and self.audience not in info.audience:
            return False
        return self.builtin is None or info.builtin == self.builtin


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
    allowed: Callable[[ChunkMeta], bool] = lambda info: True,
    *,
    gain: float | None = None,
    ceiling: float | None = None,
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
    had not returned. ``gain`` and ``ceiling`` replace the lift and the cap when scores
    are log-odds (the learned fusion): a fixed amount, and just below the best.
    """
    if not fused:
        return fused
    top_id, top_score = fused[0]
    gain = RELATED_LIFT * top_score if gain is None else gain
    ceiling = top_score * RELATED_CEILING if ceiling is None else ceiling
    if gain <= 0:
        return fused
    linked = links.get(pool[top_id].info.source_id, set())
    if not linked:
        return fused
    scores = dict(fused)
    candidates = []
    for source in sorted(linked):
        chunks = [c for c in by_source.get(source, []) if allowed(c.info)]
        if chunks:
            candidates.append(min(chunks, key=lambda c: (-scores.get(c.chunk_id, 0.0), c.chunk_id)))
    candidates.sort(key=lambda c: (-scores.get(c.chunk_id, 0.0), c.chunk_id))
    for best in candidates[:RELATED_MAX]:
        own = scores.get(best.chunk_id, 0.0)
        scores[best.chunk_id] = max(own, min(own + gain, ceiling))
        pool[best.chunk_id] = best
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


class Retriever:
    """Search the library. Syncs the built-in corpus on first use when given its folder."""

    def __init__(
        self,
        store: VectorStore,
        embedder: TextEmbedder,
        corpus_dir: Path | None = None,
        fusion: str = "learned",
        ranker: Ranker | None = None,
        second: MultilingualEmbedder | None = None,
    ):
        if fusion not in FUSIONS:
            raise InputError(f"unknown fusion {fusion!r} (use {', '.join(FUSIONS)})")
        self.store = store
        self.embedder = embedder
        self.corpus_dir = corpus_dir
        self.fusion = fusion
        self.ranker = ranker if ranker is not None or fusion != "learned" else Ranker.load()
        self.last_sync: SyncResult | None = None
        self._synced = corpus_dir is None
        self._index: tuple[str, _Index] | None = None
        self._stem = _stemmer()
        self._lock = threading.Lock()
        self._query_vectors: dict[str, np.ndarray] = {}
        self.second = second
        self._e5_cache = shipped.load(MULTILINGUAL_MODEL_ID)
        #: One worker: e5 embeds a question while the rest of a search runs (and calls
        #: to the model never overlap).
        self._early = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-e5")

    @classmethod
    def from_settings(cls, settings: Settings, embedder=None, fusion: str = "learned") -> Retriever:
        if embedder is None:
            from coach.text.embeddings import Embedder

            embedder = Embedder()
        store = Store.open(settings, embedder.model_id, embedder.dimension)
        return cls(store, embedder, settings.corpus_dir, fusion)

    def with_ranker(self, ranker: Ranker) -> Retriever:
        """The same library, searched with another ranker (cross-validation); shares this
        retriever's models and the e5 vectors it has computed."""
        other = Retriever(
            self.store, self.embedder, self.corpus_dir, "learned", ranker, self.second
        )
        other._synced = True
        other._e5_cache = self._e5_cache
        return other

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

    def search(self, query: str, k: int = 5, **filters: Any) -> list[Passage]:
        """The passages of :meth:`answer` (same arguments)."""
        return self.answer(query, k, **filters).passages

    def answer(
        self,
        query: str,
        k: int = 5,
        *,
        source: str | Sequence[str] | None = None,
        criterion: str | None = None,
        builtin: bool | None = None,
        method: str = "hybrid",
        audience: str | None = None,
    ) -> Answer:
        """Top ``k`` passages for ``query``; filters narrow by source id, criterion, built-in
        and who a card is for (``lead``, ``champion``, ``trainer``).

        ``score`` is the fused score for hybrid (for the learned fusion, the ranker's output
        in 0–1), the BM25 score for bm25 and the cosine similarity for vector.
        """
        if method not in METHODS:
            raise InputError(f"unknown retrieval method {method!r} (use {', '.join(METHODS)})")
        if not query or not query.strip():
            raise InputError("the question is empty")
        if k <= 0:
            return Answer([])
        index, committed = self._snapshot()
        # e5 reads the question while BM25, MiniLM and the vector store do their part.
        early = None
        if method == "hybrid" and self.fusion == "learned":
            early = self._early.submit(self._e5_question, query)
        if audience is not None and audience not in AUDIENCES:
            raise InputError(f"unknown audience {audience!r} (use {', '.join(AUDIENCES)})")
        filters = _Filters(source, criterion, builtin, audience)
        rankings: list[tuple[str, Ranked]] = []
        by_words: Ranked = []
        if method in ("hybrid", "bm25"):
            by_words = self._bm25_scores(index, query, filters)  # all hits: the ranker reads them
            rankings.append(("bm25", by_words[:CANDIDATES]))
        if method in ("hybrid", "vector"):
            vector = self.embedder.embed([query])[0]
            rankings.append(("vector", self._vector_rank(committed, vector, filters, index)))
        if method != "hybrid":
            return Answer([passage_from(chunk, score) for chunk, score in rankings[0][1][:k]])
        if self.fusion == "learned":
            e5_query = early.result() if early is not None else None
            return self._learned(query, vector, by_words, rankings, k, index, filters, e5_query)
        return Answer(self._fused(rankings, k, index, filters))

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

    def ranking_features(self, query: str) -> tuple[list[StoredChunk], np.ndarray]:
        """Every built-in card and its raw ranker features for ``query``: what
        ``coach train-ranker`` fits on, the same features a search uses."""
        if not query or not query.strip():
            raise InputError("the question is empty")
        index, _ = self._snapshot()
        filters = _Filters(None, None, True)
        vector = self.embedder.embed([query])[0]
        return self._card_signals(
            query, vector, self._bm25_scores(index, query, filters), index, filters
        )

    def _learned(
        self,
        query: str,
        vector: np.ndarray,
        by_words: Ranked,
        rankings: list[tuple[str, Ranked]],
        k: int,
        index: _Index,
        filters: _Filters,
        e5_query: np.ndarray | None = None,
    ) -> Answer:
        """Order the cards with the ranker; share positions with users' documents by the
        convex fusion.

        The ranker's edge comes from the cards' questions, which a user's document does
        not have, so it cannot score documents on the cards' scale (scoring them with
        their text in place of questions, with a text-only model, or with imputed question
        features all buried them; docs/library.md has the measurement). So the convex
        fusion decides which positions go to documents and which to cards, and the ranker
        decides which cards fill the card positions; features are normalised over the
        cards only, as in training. Without documents among the candidates this is simply
        the ranker's order; ``score`` is then its output, and in a mixed list the convex
        score of the position (so scores still fall down the list).
        """
        cards, raw = self._card_signals(query, vector, by_words, index, filters, e5_query)
        if not cards:
            return Answer(self._fused(rankings, k, index, filters))
        assert self.ranker is not None
        fits = self.ranker.fits(raw)
        logits = self.ranker.logits(raw, [c.info.card_id for c in cards]).tolist()
        fused = sorted(
            zip((c.chunk_id for c in cards), logits, strict=True),
            key=lambda item: (-item[1], item[0]),
        )
        pool = {c.chunk_id: c for c in cards}
        others = [c for _, ranked in rankings for c, _ in ranked if c.chunk_id not in pool]
        if not others:
            passages = [passage_from(pool[i], float(sigmoid(np.float64(s)))) for i, s in fused[:k]]
            return Answer(passages, fits)
        ranked_cards = [i for i, _ in fused]
        shared = self._share_positions(rankings, ranked_cards, set(pool), pool, k, index, filters)
        return Answer(shared, fits or any(not p.source_id.startswith(CARD_PREFIX) for p in shared))

    def _share_positions(
        self,
        rankings: list[tuple[str, Ranked]],
        ranked_cards: list[str],
        cards: set[str],
        pool: dict[str, StoredChunk],
        k: int,
        index: _Index,
        filters: _Filters,
    ) -> list[Passage]:
        """The convex order, with each card position filled by the ranker's next card."""
        convex, convex_pool = self._fused_scores(rankings, index, filters, "convex")
        pool = {**convex_pool, **pool}
        next_card = iter(ranked_cards)
        out: list[Passage] = []
        for chunk_id, score in convex:
            if len(out) == k:
                break
            if chunk_id in pool and chunk_id not in cards:
                out.append(passage_from(pool[chunk_id], score))
                continue
            pick = next(next_card, None)
            if pick is not None:
                out.append(passage_from(pool[pick], score))
        for pick in next_card:  # cards only their questions found, below everything else
            if len(out) == k:
                break
            out.append(passage_from(pool[pick], 0.0))
        return out

    def _card_signals(
        self,
        query: str,
        vector: np.ndarray,
        by_words: Ranked,
        index: _Index,
        filters: _Filters,
        e5_query: np.ndarray | None = None,
    ) -> tuple[list[StoredChunk], np.ndarray]:
        """The cards that pass the filters and their raw ranker features (every card: a
        few hundred at most, so none is missed for want of a candidate list)."""
        cards = [c for c in index.cards if filters.matches(c.info)]
        if not cards:
            return [], np.zeros((0, len(FEATURES)))
        vectors = self._card_vectors(index)
        if e5_query is None:
            e5_query = self._second().embed_queries([query])[0]
        ids = [c.chunk_id for c in cards]
        rows = [vectors.row[i] for i in ids]
        minilm = vectors.minilm[rows] @ vector
        e5 = vectors.e5[rows] @ e5_query
        asked = index.questions.similarities(vector)
        asked_e5 = vectors.e5_questions.similarities(e5_query)
        signals = {
            "vector": dict(zip(ids, minilm.tolist(), strict=True)),
            "bm25": {chunk.chunk_id: score for chunk, score in by_words},
            "question_best": {i: asked[i][0] for i in ids if i in asked},
            "question_top3": {i: asked[i][1] for i in ids if i in asked},
            "e5_vector": dict(zip(ids, e5.tolist(), strict=True)),
            "e5_question_best": {i: asked_e5[i][0] for i in ids if i in asked_e5},
            "e5_question_top3": {i: asked_e5[i][1] for i in ids if i in asked_e5},
        }
        return cards, raw_features(ids, signals)

    def _e5_question(self, query: str) -> np.ndarray:
        return self._second().embed_queries([query])[0]

    def _second(self) -> MultilingualEmbedder:
        """Multilingual e5: the ranker's second view of a question (made on first use)."""
        if self.second is None:
            self.second = MultilingualEmbedder()
        return self.second

    def _card_vectors(self, index: _Index) -> CardVectors:
        """MiniLM text vectors (from the store) and e5 text and question vectors (shipped
        with the package, or computed once) of the index's cards."""
        with self._lock:
            if index.vectors is not None:
                return index.vectors
            ids = [c.chunk_id for c in index.cards]
            stored = self.store.existing(ids)
            dim = self.embedder.dimension
            minilm = np.stack([stored[i][0] if i in stored else np.zeros(dim) for i in ids])
            passages = [(c.info.title, c.text) for c in index.cards]
            e5 = self._e5(
                [shipped.passage_key(*p) for p in passages],
                [f"{t}. {x}" for t, x in passages],
                False,
            )
            texts = [row.text for row, _ in index.question_rows]
            asked = self._e5([shipped.question_key(t) for t in texts], texts, True)
            e5_rows = [(row, v) for (row, _), v in zip(index.question_rows, asked, strict=True)]
            index.vectors = CardVectors(
                {chunk_id: n for n, chunk_id in enumerate(ids)},
                _unit(minilm),
                _unit(e5),
                QuestionIndex(e5_rows),
            )
            return index.vectors

    def _e5(self, keys: list[str], texts: list[str], questions: bool) -> np.ndarray:
        """e5 vectors by key: the shipped ones, the rest computed now and remembered."""
        missing = [n for n, key in enumerate(keys) if self._e5_cache.get(key) is None]
        if missing:
            second = self._second()
            embed = second.embed_queries if questions else second.embed
            made = self._early.submit(embed, [texts[n] for n in missing]).result()  # one at a time
            for n, vector in zip(missing, made, strict=True):
                self._e5_cache.put(keys[n], vector)
        if not keys:
            return np.zeros((0, MultilingualEmbedder.dimension), dtype=np.float32)
        return np.stack([self._e5_cache.get(key) for key in keys])

    def _fused(
        self, rankings: list[tuple[str, Ranked]], k: int, index: _Index, filters: _Filters
    ) -> list[Passage]:
        fusion = "convex" if self.fusion == "learned" else self.fusion
        fused, pool = self._fused_scores(rankings, index, filters, fusion)
        return [passage_from(pool[chunk_id], score) for chunk_id, score in fused[:k]]

    @staticmethod
    def _fused_scores(
        rankings: list[tuple[str, Ranked]], index: _Index, filters: _Filters, fusion: str
    ) -> tuple[list[tuple[str, float]], dict[str, StoredChunk]]:
        """(chunk id, score) best first by a fixed fusion with the related lift, and the
        chunks they name."""
        weights = WEIGHTS[fusion]
        weighted = [(ranked, weights[role]) for role, ranked in rankings]
        fused = fuse_rrf(weighted) if fusion == "rrf" else fuse_convex(weighted)
        pool = {chunk.chunk_id: chunk for _, ranked in rankings for chunk, _ in ranked}
        return lift_related(fused, pool, index.related, index.by_source, filters.matches), pool

    def _snapshot(self) -> tuple[_Index, dict[str, str]]:
        """The in-process index and committed-source map for the store as it is now."""
        self.ensure_corpus()
        key, committed = self.store.fingerprint()
        self.store.refresh(key)  # embedded mode: let vector search see others' new chunks
        current = self._index  # read once: another thread may replace it meanwhile
        if current is None or current[0] != key:

            def is_committed(meta: dict[str, Any]) -> bool:
                return committed.get(meta.get("source_id")) == meta.get("file_sha")

            chunks = sorted(
                (c for c in self.store.iter_chunks() if is_committed(c.meta)),
                key=lambda c: c.chunk_id,
            )
            questions = sorted(
                (row for row in self.store.question_vectors() if is_committed(row[0].meta)),
                key=lambda row: row[0].chunk_id,
            )
            built = (key, _Index(chunks, self._stem, questions))
            self._index = built
            return built[1], committed
        return current[1], committed

    def _vector_rank_in_memory(self, vector, filters: _Filters, index: _Index) -> Ranked:
        """Exact cosine to every committed chunk (the index keeps their vectors): cheaper
        than a round trip to the store for the libraries this app holds."""
        matrix = self._chunk_matrix(index)
        if matrix.shape[0] == 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        cosines = matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
        # The index is in chunk-id order, so a stable sort breaks ties by chunk id.
        order = np.argsort(-np.round(cosines, 6), kind="stable").tolist()
        if filters.active:
            order = [i for i in order if filters.matches(index.chunks[i].info)]
        return [(index.chunks[i], float(cosines[i])) for i in order[:CANDIDATES]]

    def _chunk_matrix(self, index: _Index) -> np.ndarray:
        with self._lock:
            if index.matrix is None:
                ids = [c.chunk_id for c in index.chunks]
                stored: dict[str, Any] = {}
                for at in range(0, len(ids), 1000):
                    stored.update(self.store.existing(ids[at : at + 1000]))
                dim = self.embedder.dimension
                rows = [stored[i][0] if i in stored else np.zeros(dim) for i in ids]
                index.matrix = _unit(np.stack(rows)) if rows else np.zeros((0, dim))
            return index.matrix

    @staticmethod
    def _bm25_rank(index: _Index, query: str, filters: _Filters) -> Ranked:
        return Retriever._bm25_scores(index, query, filters)[:CANDIDATES]

    @staticmethod
    def _bm25_scores(index: _Index, query: str, filters: _Filters) -> Ranked:
        """Every chunk with a BM25 score above 0 that passes the filters, best first."""
        mask = None
        if filters.active:
            mask = np.array([filters.matches(c.info) for c in index.chunks], dtype=bool)
        return [(index.chunks[i], s) for i, s in index.rank(query, mask)]

    def _vector_rank(
        self, committed: dict[str, str], vector, filters: _Filters, index: _Index | None = None
    ) -> Ranked:
        if index is not None:
            return self._vector_rank_in_memory(vector, filters, index)
        rows = self.store.query(vector, CANDIDATES, filters.where())
        ranked = [
            (chunk, 1.0 - distance)
            for chunk, distance in rows
            if committed.get(chunk.info.source_id) == chunk.info.file_sha
        ]
        ranked.sort(key=lambda row: (-round(row[1], 6), row[0].chunk_id))
        return ranked
