"""Compute the built-in cards' shipped vectors (``coach build-card-vectors``).

Exactly the texts indexing and search embed: each card chunk's head and text (MiniLM, as
:class:`coach.library.ingest.Ingester` writes it), its title and text (e5 passage), and
each of its questions (MiniLM, and e5 as a query). Run after changing a card; a test
checks that the shipped file covers every card.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from coach.library import shipped
from coach.library.chunking import Chunker
from coach.library.chunkmeta import CARD_PREFIX
from coach.library.ingest import Ingester, embed_passages
from coach.library.sources import load_card
from coach.text.embeddings import MultilingualEmbedder, TextEmbedder


def card_texts(corpus_dir: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """(MiniLM views, e5 passages as (title, text), questions) of every card, in order."""
    folder = corpus_dir / "cards" if (corpus_dir / "cards").is_dir() else corpus_dir
    views, passages, questions = [], [], []
    for path in sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md"):
        card = load_card(path)
        source_id = CARD_PREFIX + str(card.meta["id"])
        base = Ingester._base_meta(card, source_id, True)  # noqa: SLF001 - the same metadata
        chunker = Chunker(source_id, keep_whole=True)
        for section in card.sections():
            for chunk in chunker.chunks(section):
                views.append(Ingester._view(chunk, base))  # noqa: SLF001 - the same view
                passages.append((base.title, chunk.text))
        questions.extend(q for q in base.questions if q.strip())
    return views, passages, sorted(set(questions))


def build(
    corpus_dir: Path,
    minilm: TextEmbedder,
    e5: MultilingualEmbedder,
    progress: Callable[[str], None] = lambda _: None,
) -> list[shipped.VectorCache]:
    views, passages, questions = card_texts(corpus_dir)
    first = shipped.VectorCache(minilm.model_id)
    second = shipped.VectorCache(e5.model_id)
    progress(f"MiniLM: {len(views)} cards, {len(questions)} questions")
    for view, vector in zip(views, embed_passages(minilm, views), strict=True):
        first.put(shipped.passage_key(*view), vector)
    for question, vector in zip(questions, minilm.embed(questions), strict=True):
        first.put(shipped.question_key(question), vector)
    progress("e5: the same (takes a few minutes)")
    texts = [f"{title}. {text}" for title, text in passages]
    for passage, vector in zip(passages, e5.embed(texts), strict=True):
        second.put(shipped.passage_key(*passage), vector)
    for question, vector in zip(questions, e5.embed_queries(questions), strict=True):
        second.put(shipped.question_key(question), vector)
    return [first, second]
