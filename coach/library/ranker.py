"""The learned ranker: how much each similarity signal counts, fitted on labelled questions.

A passage can look like the answer in three ways: its words (BM25), its meaning (the
vector of its text) and the *questions its card says it answers* (each card lists ten, in
the words people type; their vectors are compared with the user's question). Fixed
weights for the first two, fitted by eye, found the secondary cards of a question poorly;
a logistic regression over four normalised features, fitted on 145 questions written by
three people, does better on each person's questions when fitted on the other two's
(`coach train-ranker --cross-validate`; docs/library.md has the numbers).

Few features, one weight each: the model cannot memorise cards. It orders passages that
have questions (the cards) among themselves; a user's document has none, so scores for it
would not be comparable, and the retriever lets the convex fusion decide where documents go
(:meth:`coach.library.retrieve.Retriever._learned`). The weights are data
(``coach/data/ranker.json``), written by ``coach train-ranker`` and reproducible from the
committed question files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from coach.errors import InputError
from coach.library.store import StoredChunk

FEATURES = ("vector", "bm25", "question_best", "question_top3")
RANKER_FILE = Path(__file__).parent.parent / "data" / "ranker.json"
#: How many of a card's question similarities make ``question_top3``.
TOP_QUESTIONS = 3
L2 = 10.0
ITERATIONS = 3000
LEARNING_RATE = 0.5
#: Log-odds added to the cards linked (``related``) to the best result: about a 7x
#: increase in the odds, chosen by cross-validation on the question files.
RELATED_LIFT = 2.0


@dataclass(frozen=True)
class Ranker:
    """Weights per feature (see :data:`FEATURES`), a bias and the related-card lift."""

    weights: tuple[float, ...]
    bias: float
    related_lift: float = RELATED_LIFT
    trained_on: tuple[str, ...] = ()
    questions: int = 0

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Log-odds per row of normalised features (:func:`normalise`); higher is better."""
        return features @ np.asarray(self.weights) + self.bias

    @classmethod
    def load(cls, path: Path = RANKER_FILE) -> Ranker:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if tuple(data["features"]) != FEATURES:
                raise ValueError(f"features {data['features']} are not {list(FEATURES)}")
            return cls(
                weights=tuple(float(data["weights"][name]) for name in FEATURES),
                bias=float(data["bias"]),
                related_lift=float(data["related_lift"]),
                trained_on=tuple(data.get("trained_on", ())),
                questions=int(data.get("questions", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}: not a ranker file ({exc}); run 'coach train-ranker'"
            ) from exc

    def save(self, path: Path) -> None:
        data = asdict(self)
        data["features"] = list(FEATURES)
        data["weights"] = {
            name: round(w, 6) for name, w in zip(FEATURES, self.weights, strict=True)
        }
        data["bias"] = round(self.bias, 6)
        data["trained_on"] = list(self.trained_on)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


class QuestionIndex:
    """The committed cards' question vectors, in memory (550 x 384 floats for our cards)."""

    def __init__(self, rows: Sequence[tuple[StoredChunk, np.ndarray]]):
        self.chunk_ids = [str(row.meta.get("chunk_id")) for row, _ in rows]
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        if rows:
            vectors = np.asarray([v for _, v in rows], dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            self.matrix = vectors / np.maximum(norms, 1e-12)

    def similarities(self, vector: np.ndarray) -> dict[str, tuple[float, float]]:
        """Chunk id -> (best, mean of the best three) cosine of the query to its questions."""
        if not self.chunk_ids:
            return {}
        query = np.asarray(vector, dtype=np.float32)
        sims = self.matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
        per_chunk: dict[str, list[float]] = {}
        for chunk_id, sim in zip(self.chunk_ids, sims.tolist(), strict=True):
            per_chunk.setdefault(chunk_id, []).append(sim)
        out = {}
        for chunk_id, values in per_chunk.items():
            values.sort(reverse=True)
            out[chunk_id] = (values[0], float(np.mean(values[:TOP_QUESTIONS])))
        return out


def raw_features(
    chunk_ids: Sequence[str],
    vector: Mapping[str, float],
    bm25: Mapping[str, float],
    questions: Mapping[str, tuple[float, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """One row of :data:`FEATURES` per chunk, before :func:`normalise`, and which chunks
    have questions (the rows the ranker may score).

    ``vector`` holds cosines, ``bm25`` scores, ``questions`` (best, top-3 mean) cosines
    to a card's questions; a chunk without questions gets 0 for those.
    """
    raw = np.zeros((len(chunk_ids), len(FEATURES)))
    has_questions = np.array([chunk_id in questions for chunk_id in chunk_ids], dtype=bool)
    for row, chunk_id in enumerate(chunk_ids):
        best, top = questions.get(chunk_id, (0.0, 0.0))
        raw[row] = (vector.get(chunk_id, 0.0), bm25.get(chunk_id, 0.0), best, top)
    return raw, has_questions


def normalise(raw: np.ndarray) -> np.ndarray:
    """Each column divided by its best (negative values count as 0): scores are relative
    to the best candidate, so BM25's scale and the query's length do not matter."""
    clipped = np.maximum(raw, 0.0)
    peak = clipped.max(axis=0, initial=0.0)
    return clipped / np.where(peak > 0, peak, 1.0)


def fit(
    features: np.ndarray,
    labels: np.ndarray,
    l2: float = L2,
    iterations: int = ITERATIONS,
    rate: float = LEARNING_RATE,
) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression by plain gradient descent from zero.

    Deterministic (same data, same weights), no solver to install for five numbers.
    Relevant rows are weighted up to balance the far more numerous irrelevant ones.
    """
    if features.shape[0] == 0 or not labels.any() or labels.all():
        raise InputError("training needs both relevant and irrelevant passages")
    x = np.hstack([features, np.ones((features.shape[0], 1))])
    y = labels.astype(float)
    balance = np.where(y > 0, (1 - y.mean()) / y.mean(), 1.0)
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        w -= rate * (x.T @ ((p - y) * balance) + penalty * w) / len(y)
    return w[:-1], float(w[-1])


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))
