"""The built-in cards' vectors ship with the package, so a fresh library indexes them without
embedding anything, and an edited card is never served a stale vector."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from coach.library import shipped
from coach.library.card_vectors import card_texts
from coach.library.ingest import Ingester
from coach.library.store import Store
from coach.settings import PROJECT_ROOT, Settings
from coach.text.embeddings import MULTILINGUAL_MODEL_ID

CARDS = PROJECT_ROOT / "corpus" / "cards"


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.texts = inner, []
        self.model_id, self.dimension = inner.model_id, inner.dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return self.inner.embed(texts)


def test_the_shipped_file_covers_every_card_and_question_for_both_models(embedder):
    views, passages, questions = card_texts(CARDS)
    minilm, e5 = shipped.load(embedder.model_id), shipped.load(MULTILINGUAL_MODEL_ID)
    stale = [v[0] for v in views if minilm.get(shipped.passage_key(*v)) is None]
    stale += [t for t, x in passages if e5.get(shipped.passage_key(t, x)) is None]
    stale += [q for q in questions if minilm.get(shipped.question_key(q)) is None]
    stale += [q for q in questions if e5.get(shipped.question_key(q)) is None]
    assert stale == [], "cards changed: run 'coach build-card-vectors'"


def test_a_vector_for_another_model_is_never_used(tmp_path: Path):
    path = tmp_path / "vectors.npz"
    cache = shipped.VectorCache("model-a")
    cache.put("p:x", np.ones(3))
    shipped.save([cache], path)
    assert shipped.load("model-a", path).get("p:x").tolist() == [1.0, 1.0, 1.0]
    assert len(shipped.load("model-b", path)) == 0
    assert len(shipped.load("model-a", tmp_path / "missing.npz")) == 0


@pytest.mark.slow
def test_a_fresh_library_indexes_the_cards_without_embedding_them(tmp_path: Path, embedder):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CARDS.parent)
    store = Store.open(settings, embedder.model_id, embedder.dimension)
    counting = CountingEmbedder(embedder)
    result = Ingester(store, counting).sync_corpus(CARDS.parent)
    assert len(result.added) == len(list(CARDS.glob("*.md"))) and result.errors == []
    assert counting.texts == []


def test_an_edited_card_gets_fresh_vectors(tmp_path: Path, embedder):
    folder = tmp_path / "corpus" / "cards"
    folder.mkdir(parents=True)
    card = folder / "framing-authentic-messengers.md"
    shutil.copy(CARDS / card.name, card)
    card.write_text(card.read_text().replace("polished statement", "glossy statement"))
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=folder.parent)
    store = Store.open(settings, embedder.model_id, embedder.dimension)
    counting = CountingEmbedder(embedder)
    Ingester(store, counting).sync_corpus(folder.parent)
    assert any("glossy statement" in text for text in counting.texts)  # the body: embedded
    assert not any(text.endswith("?") for text in counting.texts)  # its questions: shipped
