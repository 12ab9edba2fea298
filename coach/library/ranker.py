"""The learned ranker: how much each similarity signal counts, and which cards go together.

A card can look like the answer in several ways: its words (BM25), its meaning (the vector
of its text) and the *questions it says it answers* (each card lists them in the words
people type), each seen by two embedding models — MiniLM, and multilingual e5, which also
reads Spanish and French questions. Stage one is a logistic regression over those signals,
each normalised by the best card's value and turned into a reciprocal rank, so the model
learns how signals combine, never which card is which.

Stage two adds what one card's relevance says about another's. A question rarely needs one
card only ("my ask is a list of ten things" wants both "one ask, not a menu" and "make one
specific, doable ask"), and which cards go together is learned from the labelled questions:
``corelevance[a][b]`` is the share of questions needing ``a`` that also needed ``b``. A
card's stage-two feature is the most any of the three best stage-one cards lends it
(that card's probability times the share). The weights are data (``coach/data/ranker.json``),
written by ``coach train-ranker`` and reproducible from the committed question files;
``coach train-ranker --cross-validate`` measures it on each writer's questions with a ranker
fitted on the other writers' (docs/library.md).

The ranker orders cards among themselves; a user's document has no questions, so the
retriever lets the convex fusion decide where documents go
(:meth:`coach.library.retrieve.Retriever._learned`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.errors import InputError
from coach.library.store import StoredChunk

FEATURES = (
    "vector",
    "bm25",
    "question_best",
    "question_top3",
    "e5_vector",
    "e5_question_best",
    "e5_question_top3",
)
#: Stage one's columns: each feature normalised, then each feature's reciprocal rank.
COLUMNS = tuple(f"{name}/best" for name in FEATURES) + tuple(f"{name}/rank" for name in FEATURES)
#: Stage two adds the lent co-relevance and stage one's score (scaled to about unit size).
COLUMNS_2 = (*COLUMNS, "corelevance", "stage1")
STAGE1_SCALE = 10.0
RANKER_FILE = Path(__file__).parent.parent / "data" / "ranker.json"
FORMAT = "narrative-coach/ranker/v2"
#: How many of a card's question similarities make ``question_top3``.
TOP_QUESTIONS = 3
#: How many of stage one's best cards lend co-relevance.
LENDERS = 3
#: Inverse regularisation strength (scikit-learn's C) of both stages.
C = 1.0
#: The best card's absolute similarities that say whether anything fits at all (the
#: ranker's own scores are relative to the best card, so they cannot).
FIT_FEATURES = ("vector", "question_top3", "e5_vector", "e5_question_top3")
#: The share of answerable training questions allowed to fall below the fit floor.
FIT_PERCENTILE = 5.0


@dataclass(frozen=True)
class Ranker:
    """Stage one and two weights, and the co-relevance learned from the labels."""

    weights: tuple[float, ...]
    bias: float
    weights2: tuple[float, ...]
    bias2: float
    corelevance: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    #: Mean and spread of :data:`FIT_FEATURES` over answerable questions, and the floor of
    #: their mean z-score below which nothing in the library fits.
    fit_mean: tuple[float, ...] = ()
    fit_scale: tuple[float, ...] = ()
    fit_floor: float = float("-inf")
    trained_on: tuple[str, ...] = ()
    questions: int = 0

    def fit_score(self, raw: np.ndarray) -> float:
        """How well the best cards match in absolute terms (mean z over FIT_FEATURES)."""
        if raw.shape[0] == 0 or not self.fit_mean:
            return float("-inf")
        columns = [FEATURES.index(name) for name in FIT_FEATURES]
        best = raw[:, columns].max(axis=0)
        return float(np.mean((best - np.asarray(self.fit_mean)) / np.asarray(self.fit_scale)))

    def fits(self, raw: np.ndarray) -> bool:
        return self.fit_score(raw) >= self.fit_floor

    def stage1(self, raw: np.ndarray) -> np.ndarray:
        """Stage one's log-odds per card row of raw :data:`FEATURES`."""
        return design(raw) @ np.asarray(self.weights) + self.bias

    def logits(self, raw: np.ndarray, cards: Sequence[str]) -> np.ndarray:
        """Log-odds per card (rows of raw features for one query); higher is better."""
        if len(cards) == 0:
            return np.zeros(0)
        first = self.stage1(raw)
        lent = lend(first, cards, self.corelevance)
        second = np.hstack([design(raw), lent[:, None], first[:, None] / STAGE1_SCALE])
        return second @ np.asarray(self.weights2) + self.bias2

    @classmethod
    def load(cls, path: Path = RANKER_FILE) -> Ranker:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or tuple(data["features"]) != FEATURES:
                raise ValueError(f"not {FORMAT} over {list(FEATURES)}")
            return cls(
                weights=tuple(float(data["weights"][name]) for name in COLUMNS),
                bias=float(data["bias"]),
                weights2=tuple(float(data["weights2"][name]) for name in COLUMNS_2),
                bias2=float(data["bias2"]),
                corelevance={
                    str(a): {str(b): float(p) for b, p in row.items()}
                    for a, row in data["corelevance"].items()
                },
                fit_mean=tuple(float(v) for v in data["fit"]["mean"]),
                fit_scale=tuple(float(v) for v in data["fit"]["scale"]),
                fit_floor=float(data["fit"]["floor"]),
                trained_on=tuple(data.get("trained_on", ())),
                questions=int(data.get("questions", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"{path}: not a ranker file ({exc}); run 'coach train-ranker'"
            ) from exc

    def save(self, path: Path) -> None:
        data = {
            "format": FORMAT,
            "features": list(FEATURES),
            "weights": {n: round(w, 6) for n, w in zip(COLUMNS, self.weights, strict=True)},
            "bias": round(self.bias, 6),
            "weights2": {n: round(w, 6) for n, w in zip(COLUMNS_2, self.weights2, strict=True)},
            "bias2": round(self.bias2, 6),
            "corelevance": {
                a: {b: round(p, 4) for b, p in sorted(row.items())}
                for a, row in sorted(self.corelevance.items())
            },
            "fit": {
                "features": list(FIT_FEATURES),
                "mean": [round(v, 6) for v in self.fit_mean],
                "scale": [round(v, 6) for v in self.fit_scale],
                "floor": round(self.fit_floor, 6),
            },
            "trained_on": list(self.trained_on),
            "questions": self.questions,
        }
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def design(raw: np.ndarray) -> np.ndarray:
    """Stage one's columns for one query's cards: each feature relative to the best card's
    (negative values count as 0), and each feature's reciprocal rank among the cards."""
    if raw.shape[0] == 0:
        return np.zeros((0, len(COLUMNS)))
    clipped = np.maximum(raw, 0.0)
    peak = clipped.max(axis=0)
    relative = clipped / np.where(peak > 0, peak, 1.0)
    ranks = np.argsort(np.argsort(-raw, axis=0, kind="stable"), axis=0, kind="stable")
    return np.hstack([relative, 1.0 / (1.0 + ranks)])


def lend(first: np.ndarray, cards: Sequence[str], corelevance: Mapping[str, Mapping[str, float]]):
    """Per card, the most that one of stage one's :data:`LENDERS` best cards lends it."""
    lent = np.zeros(len(cards))
    order = np.argsort(-first, kind="stable")[:LENDERS]
    position = {card: i for i, card in enumerate(cards)}
    for lender in order:
        share = corelevance.get(cards[lender], {})
        p = sigmoid(first[lender])
        for card, value in share.items():
            i = position.get(card)
            if i is not None and i != lender:
                lent[i] = max(lent[i], p * value)
    return lent


def corelevance_of(relevant_sets: Sequence[set[str]]) -> dict[str, dict[str, float]]:
    """``[a][b]``: the share of questions needing card ``a`` that also needed ``b``."""
    counts: dict[str, int] = {}
    pairs: dict[str, dict[str, int]] = {}
    for relevant in relevant_sets:
        for a in relevant:
            counts[a] = counts.get(a, 0) + 1
            for b in relevant:
                if a != b:
                    pairs.setdefault(a, {})[b] = pairs.get(a, {}).get(b, 0) + 1
    return {a: {b: n / counts[a] for b, n in row.items()} for a, row in pairs.items()}


class QuestionIndex:
    """The committed cards' question vectors for one model, in memory."""

    def __init__(self, rows: Sequence[tuple[StoredChunk, np.ndarray]]):
        self.chunk_ids = [row.question.chunk_id for row, _ in rows]
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        # Each chunk's questions as one row of a padded table, so a query is three numpy
        # calls rather than a Python loop over every question.
        self._chunks = list(dict.fromkeys(self.chunk_ids))
        position = {chunk_id: n for n, chunk_id in enumerate(self._chunks)}
        counts: dict[str, int] = {}
        self._cell = []
        for chunk_id in self.chunk_ids:
            self._cell.append((position[chunk_id], counts.get(chunk_id, 0)))
            counts[chunk_id] = counts.get(chunk_id, 0) + 1
        self._width = max(counts.values(), default=0)
        if rows:
            vectors = np.asarray([v for _, v in rows], dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            self.matrix = vectors / np.maximum(norms, 1e-12)
        self._counts = np.array([counts[c] for c in self._chunks], dtype=np.float64)

    def similarities(self, vector: np.ndarray) -> dict[str, tuple[float, float]]:
        """Chunk id -> (best, mean of the best three) cosine of the query to its questions."""
        if not self.chunk_ids:
            return {}
        query = np.asarray(vector, dtype=np.float32)
        sims = self.matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
        table = np.full((len(self._chunks), self._width), -np.inf)
        rows, columns = zip(*self._cell, strict=True)
        table[list(rows), list(columns)] = sims
        table = -np.sort(-table, axis=1)[:, :TOP_QUESTIONS]
        top = np.where(np.isfinite(table), table, 0.0).sum(axis=1)
        top /= np.minimum(self._counts, TOP_QUESTIONS)
        return {
            chunk_id: (float(table[n, 0]), float(top[n])) for n, chunk_id in enumerate(self._chunks)
        }


def raw_features(
    card_ids: Sequence[str],
    signals: Mapping[str, Mapping[str, float]],
) -> np.ndarray:
    """One row of :data:`FEATURES` per card; ``signals[feature][card id]`` (missing: 0).

    The similarity features are cosines; ``bm25`` is BM25's score for the card.
    """
    raw = np.zeros((len(card_ids), len(FEATURES)))
    for column, name in enumerate(FEATURES):
        values = signals.get(name, {})
        raw[:, column] = [values.get(card_id, 0.0) for card_id in card_ids]
    return raw


def sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))
