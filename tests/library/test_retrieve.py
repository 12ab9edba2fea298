"""Hybrid retrieval: cited passages, filters, determinism, and a library shared by processes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from coach.errors import InputError
from coach.library.evaluate import (
    compare_assessors,
    cross_validate,
    evaluate,
    load_questions,
    pooled,
)
from coach.library.ingest import Ingester
from coach.library.retrieve import (
    RELATED_LIFT,
    Passage,
    Retriever,
    fuse_convex,
    fuse_rrf,
    lift_related,
    related_sources,
)
from coach.library.store import Store, StoredChunk
from coach.settings import PROJECT_ROOT, Settings


def test_the_built_in_cards_are_indexed_on_first_use(retriever, store):
    assert store.sources() == []
    (top, *_) = retriever.search("what should I ask people to do at the end?", k=3)
    assert isinstance(top, Passage)
    assert top.source_id == "card:ask-one-thing"
    assert top.title == "Ask for one specific thing"
    assert top.source == "Test source (Workshop notes)"  # the work the advice comes from
    assert top.locator == "The ask"
    assert top.criteria == ("call_to_action", "specificity")
    assert top.citation == "Ask for one specific thing — Test source (Workshop notes), The ask"
    assert len(store.sources()) == 3


def test_passages_point_back_into_the_source(retriever, ingester, write):
    text = "# Plan\n\nIntro.\n\n## Vote\n\nThe council votes on 3 June; bring a neighbour.\n"
    ingester.ingest(write("plan.md", text))
    (passage,) = retriever.search("when does the council vote", k=1, source="plan.md")
    assert passage.locator == "Plan > Vote"
    assert text[passage.start : passage.end] == passage.text
    assert passage.to_dict()["citation"] == "Plan — plan.md, Plan > Vote"


def test_filters_by_criterion_and_source(retriever, ingester, write):
    ingester.ingest(write("notes.txt", "Hope is a plan: we won the parking fight last year."))
    hope = retriever.search("hope", k=5, criterion="hope")
    assert [p.source_id for p in hope] == ["card:hope-with-a-path"]
    mine = retriever.search("hope", k=5, source="notes.txt")
    assert {p.source_id for p in mine} == {"notes.txt"}
    assert retriever.search("hope", k=5, builtin=False)[0].source_id == "notes.txt"


def test_the_same_query_gives_the_same_order(retriever):
    query = "tell the story of one moment, not your whole career"
    first = retriever.search(query, k=3)
    again = retriever.search(query, k=3)
    assert first == again
    assert [p.score for p in first] == sorted((p.score for p in first), reverse=True)


@pytest.mark.parametrize("method", ["bm25", "vector", "hybrid"])
def test_each_method_finds_the_obvious_card(retriever, method):
    (top, *_) = retriever.search("precedent hope path", k=2, method=method)
    assert top.source_id == "card:hope-with-a-path"


def test_bad_queries_are_input_errors(retriever):
    with pytest.raises(InputError):
        retriever.search("   ")
    with pytest.raises(InputError):
        retriever.search("hope", method="magic")


def test_changes_by_another_process_are_seen(settings, embedder, retriever, write):
    """Two Retrievers over one data dir stand in for two app replicas."""
    assert retriever.search("parking fight", k=5, builtin=False) == []
    other_store = Store.open(settings, embedder.model_id, embedder.dimension)
    Ingester(other_store, embedder).ingest(write("won.txt", "We won the parking fight."))
    (found,) = retriever.search("parking fight", k=5, builtin=False)
    assert found.source_id == "won.txt"
    Ingester(other_store, embedder).remove("won.txt")
    assert retriever.search("parking fight", k=5, builtin=False) == []


def test_changed_cards_are_resynced(tmp_path, embedder, card_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(card_dir, corpus / "cards")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    first = Retriever.from_settings(settings, embedder).sync_corpus()
    assert len(first.added) == 3
    assert Retriever.from_settings(settings, embedder).sync_corpus().unchanged == 3
    card = corpus / "cards" / "hope-with-a-path.md"
    card.write_text(card.read_text().replace("precedent", "past win"))
    (corpus / "cards" / "tell-the-moment.md").unlink()
    again = Retriever.from_settings(settings, embedder).sync_corpus()
    assert again.updated == ["card:hope-with-a-path"]
    assert again.removed == ["card:tell-the-moment"] and again.unchanged == 1


def test_a_cards_questions_are_searched_but_not_shown(retriever):
    """Front-matter questions put the user's words ("closing line") into the BM25 index."""
    (top, *_) = retriever.search("my closing line", k=2, method="bm25")
    assert top.source_id == "card:ask-one-thing"
    assert "closing line" not in top.text


def test_editing_only_the_questions_keeps_the_chunks(tmp_path, embedder, card_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(card_dir, corpus / "cards")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    retriever = Retriever.from_settings(settings, embedder)
    retriever.sync_corpus()
    before = retriever.store.chunk_ids("card:hope-with-a-path")
    card = corpus / "cards" / "hope-with-a-path.md"
    question = "questions:\n  - Can we really win?\n---\nOptimism"
    card.write_text(card.read_text().replace("---\nOptimism", question))
    again = Retriever.from_settings(settings, embedder)
    assert again.sync_corpus().updated == ["card:hope-with-a-path"]
    assert again.store.chunk_ids("card:hope-with-a-path") == before  # same text, same ids
    (top, *_) = again.search("really win", k=1, method="bm25")
    assert top.source_id == "card:hope-with-a-path"


def test_a_retitled_card_gets_a_fresh_vector_and_an_unchanged_one_keeps_its_own(
    tmp_path, embedder, card_dir
):
    """The title is part of what is embedded, so reusing the old vector would be stale."""
    corpus = tmp_path / "corpus"
    shutil.copytree(card_dir, corpus / "cards")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    Retriever.from_settings(settings, embedder).sync_corpus()
    store = Retriever.from_settings(settings, embedder).store
    (chunk_id,) = store.chunk_ids("card:hope-with-a-path")
    before = store.existing([chunk_id])[chunk_id][0]
    card = corpus / "cards" / "hope-with-a-path.md"
    card.write_text(card.read_text().replace("title: Hope needs a path", "title: Show a way"))
    questions_only = corpus / "cards" / "ask-one-thing.md"
    questions_only.write_text(questions_only.read_text().replace("list of options?", "menu?"))
    again = Retriever.from_settings(settings, embedder)
    assert sorted(again.sync_corpus().updated) == ["card:ask-one-thing", "card:hope-with-a-path"]
    assert again.store.chunk_ids("card:hope-with-a-path") == {chunk_id}  # same text, same id
    after = again.store.existing([chunk_id])[chunk_id][0]
    assert float(np.dot(before, after)) < 0.9999  # re-embedded with the new title


def test_a_broken_card_is_reported_and_the_rest_indexed(tmp_path, embedder, card_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(card_dir, corpus / "cards")
    (corpus / "cards" / "broken.md").write_text("---\nid: broken\n---\nno title or criteria\n")
    result = Retriever.from_settings(
        Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder
    ).sync_corpus()
    assert len(result.added) == 3 and "broken.md" in result.errors[0]


def test_built_in_cards_cannot_be_removed_by_id(retriever, ingester):
    retriever.sync_corpus()
    with pytest.raises(InputError, match="built-in"):
        ingester.remove("card:ask-one-thing")


def test_guidance_for_a_criterion(retriever):
    passages = retriever.guidance_for(
        "call_to_action",
        "a specific doable ask",
        draft_text="Please come to the ward meeting on Tuesday.",
        k=2,
    )
    assert passages[0].source_id == "card:ask-one-thing"
    assert "call_to_action" in passages[0].criteria
    assert len(passages) == 2  # only one card is tagged; the second is topped up


def test_fusions_break_ties_by_chunk_id():
    a, b = StoredChunk("a", "", {}), StoredChunk("b", "", {})
    assert [i for i, _ in fuse_rrf([([(b, 1.0)], 1.0), ([(a, 1.0)], 1.0)])] == ["a", "b"]
    assert [i for i, _ in fuse_convex([([(b, 2.0), (a, 2.0)], 1.0)])] == ["a", "b"]


def _card(source: str, related: str = "", **meta) -> StoredChunk:
    return StoredChunk(f"{source}#0", "", {"source_id": source, "related": related, **meta})


def test_related_links_count_both_ways():
    chunks = [_card("card:a", "card:b card:c"), _card("card:b"), _card("card:d", "card:d")]
    assert related_sources(chunks) == {
        "card:a": {"card:b", "card:c"},
        "card:b": {"card:a"},
        "card:c": {"card:a"},
    }


def test_the_best_matchs_related_card_is_lifted_but_stays_behind_it():
    a, b, c, d = (_card(f"card:{x}") for x in "abcd")
    fused = [(a.chunk_id, 1.0), (c.chunk_id, 0.9), (d.chunk_id, 0.8), (b.chunk_id, 0.75)]
    pool = {x.chunk_id: x for x in (a, b, c, d)}
    links = related_sources([_card("card:a", "card:b")])
    by_source = {x.meta["source_id"]: [x] for x in (a, b, c, d)}
    lifted = lift_related(fused, pool, links, by_source)
    assert [chunk_id for chunk_id, _ in lifted] == ["card:a#0", "card:b#0", "card:c#0", "card:d#0"]
    assert lifted[1][1] < lifted[0][1]  # never above the card that lifted it
    assert lift_related(fused, pool, links, by_source, allowed=lambda m: False) == fused


def test_a_related_card_the_rankers_missed_is_fetched():
    a, b = _card("card:a", "card:b"), _card("card:b")
    lifted = lift_related(
        [(a.chunk_id, 0.8)], {a.chunk_id: a}, related_sources([a]), {"card:b": [b]}
    )
    assert lifted == [(a.chunk_id, 0.8), (b.chunk_id, RELATED_LIFT * 0.8)]


def test_a_cards_related_list_lifts_it_in_search(tmp_path, embedder, card_dir):
    """Linking the best match to the weakest card brings that card up to second place."""
    corpus = tmp_path / "corpus"
    shutil.copytree(card_dir, corpus / "cards")
    query = "what should I ask people to do at the end?"
    plain = Retriever.from_settings(Settings(data_dir=tmp_path / "a", corpus_dir=corpus), embedder)
    first, *_, last = [p.source_id for p in plain.search(query, k=3)]
    card = corpus / "cards" / f"{first.removeprefix('card:')}.md"
    related = f"related: [{last.removeprefix('card:')}]\n---\n"
    card.write_text(card.read_text().replace("---\n", related, 2).replace(related, "---\n", 1))
    linked = Retriever.from_settings(Settings(data_dir=tmp_path / "b", corpus_dir=corpus), embedder)
    top, lifted, *_ = linked.search(query, k=3)
    assert [top.source_id, lifted.source_id] == [first, last]
    assert top.related == (last,) and top.to_dict()["related"] == [last]  # "see also"
    # the lifted card is not tagged call_to_action: with that filter it must stay out
    tagged = [p.source_id for p in linked.search(query, k=3, criterion="call_to_action")]
    assert tagged == [first]


DATA = PROJECT_ROOT / "tests" / "data"
#: Measured hybrid recall@5 (learned ranker), rounded down: 0.915 held out, 0.961 on the
#: dev set it was fitted on (docs/library.md). The held-out floor is the issue's target.
#: With 87 cards (32 added for strangers' questions) the older sets have more look-alikes
#: to beat; the floors sit just under today's figures (docs/library.md).
RECALL_FLOOR = {"retrieval_questions.jsonl": 0.85, "retrieval_dev_questions.jsonl": 0.92}
CARDS = PROJECT_ROOT / "corpus" / "cards"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["retrieval_questions.jsonl", "retrieval_dev_questions.jsonl"], ids=["check", "dev"]
)
def test_retrieval_quality_on_the_question_sets(tmp_path, embedder, name):
    """The built-in corpus answers the held-out check set and the dev set (docs/library.md)."""
    questions = DATA / name
    if not questions.exists() or not any(CARDS.glob("*.md")):
        pytest.skip("the corpus cards or the retrieval question set are not there yet")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CARDS.parent)
    retriever = Retriever.from_settings(settings, embedder)
    report = evaluate(retriever, load_questions(questions), k=5)
    assert report["unknown_card_ids"] == []
    hybrid = report["methods"]["hybrid"]
    assert hybrid["hit"] >= 0.9
    assert hybrid["recall"] >= RECALL_FLOOR[name]
    assert hybrid["recall"] >= max(report["methods"][m]["recall"] for m in ("bm25", "vector"))
    assert hybrid["mrr"] >= 0.85
    assert hybrid["recall"] > report["methods"]["hybrid_convex"]["recall"]
    assert report["nothing_fits"]["answerable_said_nothing_fits"] <= 0.05
    json.dumps(report)  # the CLI prints it as JSON


STRANGERS = PROJECT_ROOT / "datasets" / "questions"


@pytest.mark.slow
def test_strangers_questions_cross_validated_by_writer_meet_the_targets(tmp_path, embedder):
    """Each of six writers' questions, ranked by a ranker fitted without them (issue 14)."""
    files = [STRANGERS / "questions.settled.jsonl"] + [
        DATA / f"retrieval_{name}_questions.jsonl" for name in ("dev", "dev2", "dev3")
    ]
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CARDS.parent)
    retriever = Retriever.from_settings(settings, embedder, fusion="convex")
    results = cross_validate(retriever, files, held=files[0])
    assert [r["writer"] for r in results] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    learned = pooled(results)["hybrid"]
    assert learned["hit"] >= 0.95 and learned["mrr"] >= 0.85 and learned["recall"] >= 0.8
    assert learned["recall"] > pooled(results)["hybrid_convex"]["recall"]


@pytest.mark.slow
def test_questions_no_card_answers_are_told_nothing_fits(tmp_path, embedder):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CARDS.parent)
    retriever = Retriever.from_settings(settings, embedder)
    questions = load_questions(STRANGERS / "unanswerable.jsonl")
    assert all(not q["relevant"] for q in questions)
    report = evaluate(retriever, questions, methods=("hybrid",))
    assert report["nothing_fits"]["said_nothing_fits"] >= 0.9


def test_two_assessors_agreement_and_the_cards_both_chose():
    first = [
        {"question": "end?", "relevant": ["ask", "close"]},
        {"question": "scared?", "relevant": ["courage"]},
    ]
    second = [
        {"question": "end?", "relevant": ["ask"]},
        {"question": "scared?", "relevant": ["courage", "agency"]},
    ]
    figures, agreed = compare_assessors(first, second)
    assert figures["second_recall"] == 0.75  # (1/2 + 1/1) / 2
    assert figures["identical"] == 0.0 and figures["any_shared"] == 1.0
    assert agreed == [
        {"question": "end?", "relevant": ["ask"]},
        {"question": "scared?", "relevant": ["courage"]},
    ]
    with pytest.raises(InputError, match="same questions"):
        compare_assessors(first, second[:1])


def test_question_file_errors_name_the_line(tmp_path: Path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "x", "relevant": ["a"]}\n{"question": "y"}\n')
    with pytest.raises(InputError, match=r"q.jsonl:2"):
        load_questions(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_questions(path)


def test_a_renamed_card_is_recognised_once(tmp_path, embedder, card_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(card_dir, corpus / "cards")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    Retriever.from_settings(settings, embedder).sync_corpus()
    cards = corpus / "cards"
    (cards / "hope-with-a-path.md").rename(cards / "hope.md")
    renamed = Retriever.from_settings(settings, embedder).sync_corpus()
    assert not renamed.changed and renamed.unchanged == 3  # same card, nothing to re-index
    again = Retriever.from_settings(settings, embedder)
    assert again.sync_corpus().unchanged == 3
    assert again.store.get_source("card:hope-with-a-path").name == "hope.md"


def test_one_retriever_serves_several_writers_at_once(retriever):
    """The app shares one Retriever between sessions: no writer's draft may stay on it."""
    from concurrent.futures import ThreadPoolExecutor

    drafts = {
        "ana": "Please come to the ward meeting on Tuesday and bring a neighbour.",
        "ben": "I remember the night the factory closed and my father came home silent.",
    }

    def guidance(who: str) -> list[Passage]:
        return retriever.guidance_for("hope", "a path to winning", draft_text=drafts[who], k=3)

    alone = {who: guidance(who) for who in drafts}
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(guidance, ["ana", "ben"] * 6))
    assert together == [alone["ana"], alone["ben"]] * 6
    kept = repr(vars(retriever))
    assert not any(text in kept for text in drafts.values())
