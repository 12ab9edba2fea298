"""The learned ranker: fitting, its weights file, card-question vectors and learned search."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from coach.cli.library import TRAINING_QUESTIONS
from coach.errors import InputError
from coach.library.chunking import content_hash
from coach.library.evaluate import Example, evaluate, fit_ranker, load_questions, train_ranker
from coach.library.ingest import Ingester
from coach.library.ranker import COLUMNS, FEATURES, QuestionIndex, Ranker, design, raw_features
from coach.library.retrieve import Retriever, lift_related
from coach.library.store import Store, StoredChunk
from coach.settings import PROJECT_ROOT, Settings

HOPE_QUESTIONS = (
    "questions:\n"
    "  - Will anyone believe we can beat the landlord?\n"
    "  - Everyone says nothing ever changes here; what do I tell them?\n"
)


@pytest.fixture
def cards(tmp_path: Path, card_dir: Path) -> Path:
    """The fixture cards in a folder we may edit; "hope" gets questions of its own."""
    folder = tmp_path / "corpus" / "cards"
    shutil.copytree(card_dir, folder)
    hope = folder / "hope-with-a-path.md"
    hope.write_text(hope.read_text().replace("---\nOptimism", HOPE_QUESTIONS + "---\nOptimism"))
    return folder


@pytest.fixture
def searcher(tmp_path: Path, embedder, cards: Path) -> Retriever:
    """A Retriever with the default (learned) fusion over the edited cards."""
    return Retriever.from_settings(
        Settings(data_dir=tmp_path / "data", corpus_dir=cards.parent), embedder
    )


class RecordingEmbedder:
    """The real embedder, remembering what it was asked to embed; fails on ``fail_on``."""

    def __init__(self, inner, fail_on: str | None = None):
        self.inner, self.fail_on, self.texts = inner, fail_on, []
        self.model_id, self.dimension = inner.model_id, inner.dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        if self.fail_on and any(self.fail_on in text for text in texts):
            raise DiskFull(f"no space left while embedding {self.fail_on!r}")
        self.texts += texts
        return self.inner.embed(texts)


class DiskFull(Exception):
    """Not a CoachError, so a corpus sync stops instead of reporting the card."""


def questions_in(store: Store) -> dict[str, tuple[str, str]]:
    """Question record id -> (question text, source id), straight from Chroma."""
    return {row.chunk_id: (row.text, row.meta["source_id"]) for row, _ in store.question_vectors()}


# ---------------------------------------------------------------- fitting and the weights file


def examples(seed: int = 7) -> list[Example]:
    """Twenty questions over eight cards: card 0 is always relevant and best on feature 0;
    card 1 is relevant whenever card 0 is (they go together) but looks like the others."""
    rng = np.random.default_rng(seed)
    cards = [f"c{i}" for i in range(8)]
    found = []
    for _ in range(20):
        raw = rng.uniform(0, 0.5, (8, len(FEATURES)))
        raw[0, 0] = 0.9
        relevant = np.array([True, True] + [False] * 6)
        found.append(Example(raw, cards, relevant, "w"))
    return found


def test_fitting_is_deterministic_and_learns_the_signal_and_which_cards_go_together():
    ranker, again = fit_ranker(examples()), fit_ranker(examples())
    assert ranker == again
    assert ranker.weights[COLUMNS.index("vector/best")] > 0
    assert ranker.corelevance["c0"]["c1"] == 1.0  # every question needing c0 needed c1
    raw = np.random.default_rng(1).uniform(0, 0.5, (8, len(FEATURES)))
    raw[0, 0] = 0.9
    order = np.argsort(-ranker.logits(raw, [f"c{i}" for i in range(8)]))
    assert order[0] == 0 and order[1] == 1  # c1 lifted by c0, though it looks like the rest


def test_fitting_refuses_questions_without_any_relevant_card():
    none = [Example(np.ones((3, len(FEATURES))), ["a", "b", "c"], np.zeros(3, bool), "w")]
    with pytest.raises(InputError, match="at least one relevant card"):
        fit_ranker(none)


def test_a_saved_ranker_loads_back_as_it_was(tmp_path: Path):
    ranker = fit_ranker(examples(), trained_on=("q.jsonl",), questions=20)
    ranker.save(tmp_path / "ranker.json")
    loaded = Ranker.load(tmp_path / "ranker.json")
    assert loaded.trained_on == ("q.jsonl",) and loaded.questions == 20
    assert loaded.weights == pytest.approx(ranker.weights, abs=1e-6)
    assert loaded.corelevance["c0"] == {"c1": 1.0}
    saved = json.loads((tmp_path / "ranker.json").read_text())
    assert saved["features"] == list(FEATURES) and set(saved["weights"]) == set(COLUMNS)


def test_a_bad_ranker_file_is_named_with_the_command_that_rewrites_it(tmp_path: Path):
    path = tmp_path / "my-ranker.json"
    other_features = '{"features": ["bm25", "vector"], "weights": {}, "bias": 0}'
    for content in (other_features, "weights: [1, 2, 3, 4]"):  # the second is not JSON
        path.write_text(content)
        with pytest.raises(InputError, match=r"my-ranker\.json.*run 'coach train-ranker'"):
            Ranker.load(path)


def test_each_feature_is_seen_relative_to_the_best_card_and_as_a_rank():
    raw = raw_features(
        ["a", "b", "c"],
        {"vector": {"a": 0.5, "b": 0.25, "c": -0.1}, "bm25": {"b": 4.0}},  # c shares no word
    )
    columns = design(raw)
    vector, bm25 = FEATURES.index("vector"), FEATURES.index("bm25")
    np.testing.assert_allclose(columns[:, vector], [1.0, 0.5, 0.0])  # negatives count as 0
    np.testing.assert_allclose(columns[:, bm25], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(columns[:, len(FEATURES) + vector], [1.0, 1 / 2, 1 / 3])


def test_a_question_index_gives_each_chunk_its_best_and_its_top_three_mean():
    def question(chunk_id: str) -> StoredChunk:
        return StoredChunk(f"{chunk_id}#q", "", {"chunk_id": chunk_id})

    unit = np.eye(3)
    rows = [(question("a"), v) for v in (unit[0], unit[1], unit[2], 2 * unit[0])]
    rows.append((question("b"), unit[1]))
    sims = QuestionIndex(rows).similarities(np.array([1.0, 0.0, 0.0]))
    assert sims["a"] == pytest.approx((1.0, 2 / 3))  # cosines 1, 1, 0 (0 ignored)
    assert sims["b"] == pytest.approx((0.0, 0.0))


def test_the_learned_lift_adds_fixed_log_odds_but_never_passes_the_best():
    a, b, c = (StoredChunk(f"card:{x}#0", "", {"source_id": f"card:{x}"}) for x in "abc")
    fused = [(a.chunk_id, 3.0), (c.chunk_id, 0.5), (b.chunk_id, -1.0)]
    pool = {x.chunk_id: x for x in (a, b, c)}
    by_source = {x.meta["source_id"]: [x] for x in (a, b, c)}
    links = {"card:a": {"card:b"}, "card:b": {"card:a"}}
    lifted = lift_related(fused, pool, links, by_source, gain=2.0, ceiling=3.0 - 1e-6)
    assert lifted == [(a.chunk_id, 3.0), (b.chunk_id, 1.0), (c.chunk_id, 0.5)]  # -1 + 2
    capped = lift_related(fused, pool, links, by_source, gain=10.0, ceiling=3.0 - 1e-6)
    assert capped[1] == (b.chunk_id, 3.0 - 1e-6)


# ---------------------------------------------------------------- question vectors in the store


def test_each_card_question_is_stored_as_a_vector_of_its_own(ingester, store, cards):
    ingester.sync_corpus(cards.parent)
    (ask,) = store.chunk_ids("card:ask-one-thing")
    (hope,) = store.chunk_ids("card:hope-with-a-path")
    stored = questions_in(store)
    assert len(stored) == 4
    menu = "Should I give people a list of options?"
    assert stored[f"{ask}#{content_hash(menu)}"] == (menu, "card:ask-one-thing")
    landlord = "Will anyone believe we can beat the landlord?"
    assert stored[f"{hope}#{content_hash(landlord)}"] == (landlord, "card:hope-with-a-path")
    assert {row.meta["chunk_id"] for row, _ in store.question_vectors()} == {ask, hope}


def test_question_vectors_follow_the_cards_through_resync_edit_and_removal(store, embedder, cards):
    Ingester(store, embedder).sync_corpus(cards.parent)
    before = questions_in(store)
    watching = RecordingEmbedder(embedder)
    assert Ingester(store, watching).sync_corpus(cards.parent).unchanged == 3
    assert watching.texts == [] and questions_in(store) == before

    card = cards / "ask-one-thing.md"
    card.write_text(card.read_text().replace("a list of options?", "a menu of ways to help?"))
    Ingester(store, watching).sync_corpus(cards.parent)
    assert watching.texts == ["Should I give people a menu of ways to help?"]  # the rest reused
    texts = {text for text, _ in questions_in(store).values()}
    assert "Should I give people a list of options?" not in texts
    assert "Should I give people a menu of ways to help?" in texts

    card.unlink()
    assert Ingester(store, embedder).sync_corpus(cards.parent).removed == ["card:ask-one-thing"]
    assert {source for _, source in questions_in(store).values()} == {"card:hope-with-a-path"}


TWO_PART_CARD = """---
id: two-parts
title: Two parts
criteria: [hope]
sources:
  - title: "Test source"
    locator: "Hope"
questions:
  - Can we win?
  - {question}
---
## First

The first part says that a path to winning makes hope believable.

## Second

The second part names the first step: {day}.
"""


def test_a_card_ingest_that_fails_part_way_leaves_no_question_vectors(tmp_path, store, embedder):
    card = tmp_path / "corpus" / "cards" / "two-parts.md"
    card.parent.mkdir(parents=True)
    card.write_text(TWO_PART_CARD.format(question="Where do we start?", day="Tuesday"))
    failing = Ingester(store, RecordingEmbedder(embedder, fail_on="Tuesday"), batch_size=1)
    with pytest.raises(DiskFull):
        failing.sync_corpus(card.parent.parent)  # the first part's questions were written
    assert questions_in(store) == {} and store.sources() == []


def test_a_failed_card_update_leaves_the_old_questions_as_they_were(tmp_path, store, embedder):
    """Found by a test: with positional ids (``#q1``) an edited question overwrote the old
    record's text, and a roll-back restored the old vector under the new text. Ids now name
    the question's text, so the edit is a new record that the roll-back deletes."""
    card = tmp_path / "corpus" / "cards" / "two-parts.md"
    card.parent.mkdir(parents=True)
    card.write_text(TWO_PART_CARD.format(question="Where do we start?", day="Monday"))
    Ingester(store, embedder, batch_size=1).sync_corpus(card.parent.parent)
    before = questions_in(store)
    card.write_text(TWO_PART_CARD.format(question="How do we begin?", day="Tuesday"))
    failing = Ingester(store, RecordingEmbedder(embedder, fail_on="Tuesday"), batch_size=1)
    with pytest.raises(DiskFull):
        failing.sync_corpus(card.parent.parent)
    assert questions_in(store) == before


# ---------------------------------------------------------------- learned search


def test_learned_scores_fall_from_at_most_1_and_repeat(searcher):
    """A card without questions here is placed like a user's document, so the scores are
    the convex fusion's: the best is 1 (it is divided by itself)."""
    query = "tell the story of one moment, not your whole career"
    first = searcher.search(query, k=3)
    assert searcher.fusion == "learned" and first == searcher.search(query, k=3)
    scores = [p.score for p in first]
    assert len(scores) == 3 and all(0 < s <= 1 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert first[0].source_id == "card:tell-the-moment"


def test_a_question_worded_like_a_cards_question_finds_it_though_its_body_does_not(searcher):
    """No word of this is in the hope card's text; its questions speak of beating the landlord."""
    query = "how do I convince cynics that we can beat the boss"
    assert searcher.search(query, k=1)[0].source_id == "card:hope-with-a-path"
    assert searcher.search(query, k=1, method="vector")[0].source_id != "card:hope-with-a-path"
    convex = Retriever(searcher.store, searcher.embedder, fusion="convex")
    assert convex.search(query, k=1)[0].source_id != "card:hope-with-a-path"


def test_a_users_document_without_questions_still_wins_the_question_only_it_answers(
    searcher, embedder, write
):
    text = "# Bus lane\n\nThe council votes on the Elm Street bus lane on 3 June at 6 pm.\n"
    Ingester(searcher.store, embedder).ingest(write("bus-lane.md", text))
    assert not any(s == "bus-lane.md" for _, s in questions_in(searcher.store).values())
    top, *rest = searcher.search("what day do councillors decide on the bus lane?", k=3)
    assert top.source_id == "bus-lane.md"
    assert all(p.score <= top.score for p in rest)


def test_users_documents_keep_the_positions_the_convex_fusion_gives_them(searcher, embedder, write):
    """The ranker only reorders cards: scoring a document on the cards' scale buried it."""
    doc = "# Our ask\n\nEnd with one ask: who, what, when and where. One ask, not a list.\n"
    Ingester(searcher.store, embedder).ingest(write("our-ask.md", doc))
    convex = Retriever(searcher.store, searcher.embedder, fusion="convex")
    for query in ("how do I make my ask specific?", "what should the ending ask people to do?"):
        learned = [p.source_id for p in searcher.search(query, k=4)]
        fixed = [p.source_id for p in convex.search(query, k=4)]
        assert "our-ask.md" in fixed
        assert learned.index("our-ask.md") == fixed.index("our-ask.md")
        assert sorted(learned) == sorted(fixed)  # same cards here, perhaps in another order


# ---------------------------------------------------------------- training


QUESTIONS = [
    {"question": "how do I make my ask specific?", "relevant": ["ask-one-thing"]},
    {"question": "where does hope come from?", "relevant": ["hope-with-a-path"]},
    {"question": "my story summarises my whole career", "relevant": ["tell-the-moment"]},
]


def question_file(path: Path, questions: list[dict]) -> Path:
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return path


def test_train_ranker_on_a_small_question_file(searcher, tmp_path):
    retriever = searcher
    path = question_file(tmp_path / "mine.jsonl", QUESTIONS)
    ranker = train_ranker(retriever, [path])
    assert len(ranker.weights) == len(COLUMNS) and ranker.questions == 3
    assert ranker.trained_on == (str(path),)
    assert all(np.isfinite(ranker.weights)) and any(w != 0 for w in ranker.weights)
    learned = Retriever(retriever.store, retriever.embedder, ranker=ranker)
    report = evaluate(learned, load_questions(path), k=1, methods=("hybrid",))
    assert list(report["methods"]) == ["hybrid"]


def test_coach_train_ranker_writes_weights_the_app_can_load(coach, tmp_path, cards, monkeypatch):
    monkeypatch.setenv("COACH_CORPUS_DIR", str(cards.parent))  # two cards with questions
    first = question_file(tmp_path / "ana.jsonl", QUESTIONS[:2])
    second = question_file(tmp_path / "ben.jsonl", QUESTIONS[2:] + QUESTIONS[:1])
    out = tmp_path / "out" / "ranker.json"
    out.parent.mkdir()
    code, stdout, _ = coach("train-ranker", str(first), str(second), "--out", str(out))
    assert code == 0 and f"wrote {out}" in stdout
    ranker = Ranker.load(out)
    assert ranker.trained_on == (str(first), str(second)) and ranker.questions == 4

    code, _, err = coach("train-ranker", str(first), "--cross-validate")
    assert code == 2 and "needs questions from at least two writers" in err
    assert err.strip().count("\n") == 0  # one line, no traceback
    code, _, err = coach("train-ranker", str(tmp_path / "nope.jsonl"), "--out", str(out))
    assert code == 2 and "nope.jsonl: no such question file" in err
    check_set = question_file(tmp_path / "retrieval_questions.jsonl", QUESTIONS)
    code, _, err = coach("train-ranker", str(first), str(check_set), "--out", str(out))
    assert code == 2 and "the held-out check set is never trained on" in err


def test_train_ranker_ignores_the_users_own_library(coach, tmp_path, write, cards, monkeypatch):
    """Fitting reads a library of the built-in cards only: a user's documents would change
    BM25's word weights and so the weights the app ships."""
    monkeypatch.setenv("COACH_CORPUS_DIR", str(cards.parent))
    first = question_file(tmp_path / "ana.jsonl", QUESTIONS[:2])
    second = question_file(tmp_path / "ben.jsonl", QUESTIONS[2:])
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    assert coach("train-ranker", str(first), str(second), "--out", str(before))[0] == 0
    notes = write("notes.md", "# Asks\n\nA specific ask names a day. Hope needs a path.\n")
    assert coach("ingest", str(notes))[0] == 0
    assert coach("train-ranker", str(first), str(second), "--out", str(after))[0] == 0
    assert Ranker.load(after) == Ranker.load(before)


DATA, CARDS = PROJECT_ROOT / "tests" / "data", PROJECT_ROOT / "corpus" / "cards"
TRAINING = [PROJECT_ROOT / p for p in TRAINING_QUESTIONS]


@pytest.mark.slow
def test_the_committed_weights_are_reproduced_from_the_committed_questions(tmp_path, embedder):
    """Refitting from the committed questions ranks the cards as the committed weights do.

    Compared by what the ranker does (its retrieval figures on those questions), not weight
    by weight: the 4-bit e5 model's vectors differ in the third decimal between CPUs (seen in
    session 12: cosine 0.99994), and the fitted weights of correlated columns move by up to
    0.4 while the rankings stay the same.
    """
    if not all(p.is_file() for p in TRAINING) or not any(CARDS.glob("*.md")):
        pytest.skip("the question files or the corpus cards are not in this checkout")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CARDS.parent)
    retriever = Retriever.from_settings(settings, embedder, fusion="convex")
    fitted = train_ranker(retriever, TRAINING, base=PROJECT_ROOT)
    committed = Ranker.load()
    assert fitted.corelevance.keys() == committed.corelevance.keys()
    assert (fitted.trained_on, fitted.questions) == (committed.trained_on, committed.questions)
    questions = [q for path in TRAINING for q in load_questions(path)]
    figures = [
        evaluate(retriever.with_ranker(ranker), questions, 5, methods=("hybrid",))["methods"]
        for ranker in (fitted, committed)
    ]
    for metric in ("hit", "mrr", "recall"):
        assert figures[0]["hybrid"][metric] == pytest.approx(figures[1]["hybrid"][metric], abs=0.01)


@pytest.mark.slow
def test_cards_ingested_as_users_documents_are_found_as_well_as_by_the_convex_fusion(
    tmp_path, embedder
):
    """A review's test: take 15 cards out of the corpus and ingest their text as a user's
    Markdown files, then ask the dev questions they answer. Scored on the cards' scale the
    documents were buried (recall@5 0.49 -> 0.40); placed by the convex fusion they are not."""
    if not all(p.is_file() for p in TRAINING) or not any(CARDS.glob("*.md")):
        pytest.skip("the dev question files or the corpus cards are not in this checkout")
    questions = [q for path in TRAINING for q in load_questions(path)]
    moved = list(dict.fromkeys(card for q in questions for card in q["relevant"]))[:15]
    corpus = tmp_path / "corpus" / "cards"
    corpus.mkdir(parents=True)
    docs = tmp_path / "docs"
    docs.mkdir()
    for card in CARDS.glob("*.md"):
        if card.stem not in moved:
            shutil.copy(card, corpus / card.name)
            continue
        _, header, body = card.read_text(encoding="utf-8").split("---\n", 2)
        title = next(line for line in header.splitlines() if line.startswith("title:"))
        (docs / card.name).write_text(f"# {title[6:].strip().strip(chr(34))}\n\n{body}")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus.parent)
    learned = Retriever.from_settings(settings, embedder)
    for doc in sorted(docs.iterdir()):
        Ingester(learned.store, embedder).ingest(doc)
    convex = Retriever(learned.store, embedder, fusion="convex")

    def found(retriever: Retriever) -> int:
        hits = 0
        for q in questions:
            top = {p.source_id for p in retriever.search(q["question"], k=5)}
            hits += sum(f"{card}.md" in top for card in q["relevant"] if card in moved)
        return hits

    assert found(learned) >= found(convex) > 0


def test_a_card_whose_body_changed_keeps_its_question_vectors(store, embedder, cards):
    Ingester(store, embedder).sync_corpus(cards.parent)
    watching = RecordingEmbedder(embedder)
    card = cards / "ask-one-thing.md"
    card.write_text(card.read_text() + "\nSay the day and the time.\n")
    Ingester(store, watching).sync_corpus(cards.parent)
    assert watching.texts and not any(text.endswith("?") for text in watching.texts)
    (chunk,) = store.chunk_ids("card:ask-one-thing")
    assert {row.meta["chunk_id"] for row, _ in store.question_vectors()} >= {chunk}


def test_a_linked_card_without_questions_is_listed_once(tmp_path, embedder, cards):
    """Found in review: the lift reached a card without questions, which the convex order
    also placed, so it came back twice."""
    card = cards / "ask-one-thing.md"
    card.write_text(card.read_text().replace("criteria:", "related: [tell-the-moment]\ncriteria:"))
    retriever = Retriever.from_settings(
        Settings(data_dir=tmp_path / "data", corpus_dir=cards.parent), embedder
    )
    for query in ("Should I give people a list of options?", "how do I end my speech with an ask"):
        found = [p.source_id for p in retriever.search(query, k=5)]
        assert len(found) == len(set(found)) == 3, found


def test_train_ranker_refuses_questions_about_cards_the_corpus_lacks(coach, tmp_path):
    strangers = question_file(
        tmp_path / "other.jsonl", [{"question": "what now?", "relevant": ["not-a-card"]}]
    )
    mine = question_file(tmp_path / "mine.jsonl", QUESTIONS)
    code, _, err = coach("train-ranker", str(mine), str(strangers), "--out", str(tmp_path / "r"))
    assert code == 2 and "names cards that are not in the corpus" in err and "not-a-card" in err
