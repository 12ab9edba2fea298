"""The built-in cards' vectors, computed when the package is built and shipped with it.

Indexing the cards means embedding each card and each of its questions, with MiniLM and
with multilingual e5: minutes of CPU on a small machine. Those texts only change when the
cards do, so ``coach build-card-vectors`` computes them once and stores them in
``coach/data/card_vectors.npz``, keyed by what each vector was made from (a card's head
and text, or a question) and by model id. Indexing and search take a vector from here when
the key matches and compute it otherwise, so an edited card is never served a stale vector.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from coach.library.chunking import content_hash

SHIPPED_FILE = Path(__file__).parent.parent / "data" / "card_vectors.npz"
#: Key prefixes: a passage (card head and text) and a question, per model.
PASSAGE, QUESTION = "p:", "q:"


def passage_key(head: str, text: str) -> str:
    return PASSAGE + content_hash(head, text)


def question_key(question: str) -> str:
    return QUESTION + content_hash(question)


class VectorCache:
    """Vectors by key for one model: the shipped ones, plus any computed in this process."""

    def __init__(self, model_id: str, keys: Iterable[str] = (), matrix: np.ndarray | None = None):
        self.model_id = model_id
        rows = [] if matrix is None else list(np.asarray(matrix, dtype=np.float32))
        self._vectors: dict[str, np.ndarray] = dict(zip(keys, rows, strict=True))
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: str) -> np.ndarray | None:
        return self._vectors.get(key)

    def put(self, key: str, vector: np.ndarray) -> None:
        with self._lock:
            self._vectors[key] = np.asarray(vector, dtype=np.float32)

    def keys(self) -> list[str]:
        return sorted(self._vectors)

    def matrix(self, keys: list[str]) -> np.ndarray:
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 0))


def load(model_id: str, path: Path = SHIPPED_FILE) -> VectorCache:
    """The shipped vectors of ``model_id``; empty when the file or that model is missing."""
    tag = _tag(model_id)
    try:
        with np.load(path, allow_pickle=False) as data:
            if f"{tag}_keys" not in data.files:
                return VectorCache(model_id)
            return VectorCache(
                model_id, [str(k) for k in data[f"{tag}_keys"]], data[f"{tag}_vectors"]
            )
    except (OSError, ValueError):
        return VectorCache(model_id)


def save(caches: Iterable[VectorCache], path: Path = SHIPPED_FILE) -> None:
    """Write the caches (sorted keys, float32) so the same vectors give the same file."""
    arrays: dict[str, np.ndarray] = {}
    for cache in caches:
        keys = cache.keys()
        arrays[f"{_tag(cache.model_id)}_keys"] = np.asarray(keys, dtype=str)
        arrays[f"{_tag(cache.model_id)}_vectors"] = cache.matrix(keys).astype(np.float32)
    temporary = path.with_suffix(".tmp.npz")
    np.savez_compressed(temporary, **arrays)
    temporary.replace(path)


def _tag(model_id: str) -> str:
    """An array-name-safe tag for a model id (its content hash)."""
    return "m" + content_hash(model_id)[:12]
