"""The guidance cards are data the app relies on: check their shape, coverage and ids."""

from __future__ import annotations

import json
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from coach.scoring.rubric import load_rubric  # noqa: E402

#: The criteria of the default rubric: cards that serve a criterion name it.
KNOWN_CRITERIA = {criterion.id for criterion in load_rubric().criteria}
REQUIRED_FIELDS = ("id", "title", "criteria", "audience", "sources")
#: Questions the card answers, in a user's words; searched with the card (BM25 only).
#: Related cards: read alongside this one; retrieval lifts them when this card ranks first.
OPTIONAL_FIELDS = ("questions", "related")
AUDIENCES = {"lead", "champion", "trainer"}
REFERENCE_FIELDS = {"title", "author", "year", "url", "locator"}
#: The seed texts a card may cite by file (they are published web pages kept in ../shared).
SEED_FILES = {"seeds/000_cc4992ae29a4c5bc.txt", "seeds/003_1ed1405532283485.txt"}
MIN_CARDS_PER_CRITERION = 3
#: Similarity at which a card question counts as copied from an evaluation question.
NEAR_COPY = 0.8
#: TF-IDF cosine between two card bodies above which they say the same thing twice.
NEAR_DUPLICATE_BODIES = 0.6


def test_corpus_has_enough_cards_for_what_users_ask(cards):
    assert 85 <= len(cards) <= 150


def test_every_card_has_the_required_fields(cards):
    for card in cards:
        missing = [f for f in REQUIRED_FIELDS if f not in card.meta]
        assert not missing, f"{card.path.name}: missing {missing}"
        unexpected = set(card.meta) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
        assert not unexpected, f"{card.path.name}: unexpected fields {unexpected}"
        for field in ("id", "title"):
            assert isinstance(card.meta[field], str), f"{card.path.name}: {field} must be text"
        audience = card.meta["audience"]
        assert audience and set(audience) <= AUDIENCES, f"{card.path.name}: audience {audience}"


def test_every_card_cites_published_works_with_a_locator(cards):
    """A citation names the document the advice comes from, never our own summary."""
    for card in cards:
        works = card.meta["sources"]
        assert isinstance(works, list) and works, f"{card.path.name}: no sources"
        for work in works:
            assert set(work) <= REFERENCE_FIELDS, f"{card.path.name}: {set(work)}"
            assert str(work.get("title", "")).strip(), f"{card.path.name}: a source has no title"
            assert str(work.get("locator", "")).strip(), f"{card.path.name}: no locator"
            url = str(work.get("url", ""))
            assert url.startswith(("https://", "http://")) or url in SEED_FILES, (
                f"{card.path.name}: {url!r} is neither a web address nor a seed text"
            )
            cited = f"{work.get('title')} {work.get('author')} {url}".lower()
            assert "narrative coach" not in cited and "rubric-notes" not in cited, card.path.name


def test_no_two_cards_say_the_same_thing(cards):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    matrix = TfidfVectorizer(stop_words="english").fit_transform([c.body for c in cards])
    similar = cosine_similarity(matrix)
    pairs = [
        (cards[i].path.stem, cards[j].path.stem, round(float(similar[i, j]), 2))
        for i in range(len(cards))
        for j in range(i + 1, len(cards))
        if similar[i, j] >= NEAR_DUPLICATE_BODIES
    ]
    assert pairs == []


def test_card_id_is_the_file_name(cards):
    for card in cards:
        assert card.meta["id"] == card.path.stem


def test_card_ids_are_unique(cards):
    dupes = [cid for cid, n in Counter(c.meta["id"] for c in cards).items() if n > 1]
    assert not dupes


def test_criteria_are_known_ids(cards):
    """Cards for trainers (running a session, safety) may serve no criterion of a draft."""
    for card in cards:
        criteria = card.meta["criteria"]
        assert isinstance(criteria, list), f"{card.path.name}: criteria list"
        assert len(set(criteria)) == len(criteria), f"{card.path.name}: repeated criterion"
        unknown = set(criteria) - KNOWN_CRITERIA
        assert not unknown, f"{card.path.name}: unknown criteria {unknown}"


def test_every_criterion_has_enough_cards(cards):
    counts = Counter(c for card in cards for c in card.meta["criteria"])
    thin = {c: counts[c] for c in KNOWN_CRITERIA if counts[c] < MIN_CARDS_PER_CRITERION}
    assert not thin, f"criteria with fewer than {MIN_CARDS_PER_CRITERION} cards: {thin}"


def test_bodies_are_card_sized(cards):
    for card in cards:
        words = len(card.body.split())
        assert 50 <= words <= 300, f"{card.path.name}: body has {words} words"


def test_seed_locators_name_real_headings(cards, repo_root):
    """A card citing a seed text names a heading that appears in that text."""
    for ref in sorted(SEED_FILES):
        candidates = [repo_root / ref, repo_root.parent / "shared" / ref]
        seed = next((p for p in candidates if p.exists()), None)
        if seed is None:
            pytest.skip(f"seed text {ref} is not available here")
        lines = {line.strip().rstrip(":") for line in seed.read_text(encoding="utf-8").splitlines()}
        headings = {line for line in lines if 3 <= len(line) <= 120}
        for card in cards:
            for work in card.meta["sources"]:
                if work.get("url") == ref:
                    locator = str(work["locator"])
                    assert any(h in locator for h in headings), f"{card.path.name}: {locator!r}"


QUESTIONS_PER_CARD = (6, 20)


def test_every_card_lists_the_questions_it_answers(cards):
    """6–20 questions in a user's words, written from the card (doc2query by hand)."""
    seen: dict[str, str] = {}
    for card in cards:
        questions = card.meta.get("questions")
        assert isinstance(questions, list), f"{card.path.name}: questions must be a list"
        low, high = QUESTIONS_PER_CARD
        assert low <= len(questions) <= high, f"{card.path.name}: {len(questions)} questions"
        for question in questions:
            assert isinstance(question, str) and question.strip().endswith("?"), question
            assert question not in card.body, f"{card.path.name}: copied from the body"
            assert seen.setdefault(question, card.path.name) == card.path.name, question


def test_related_cards_exist_and_are_few(cards):
    """``related`` names 1–3 other cards; a link to itself or to a missing card is a typo."""
    ids = {c.meta["id"] for c in cards}
    for card in cards:
        if "related" not in card.meta:
            continue
        related = card.meta["related"]
        assert isinstance(related, list) and 1 <= len(related) <= 3, card.path.name
        assert len(set(related)) == len(related), f"{card.path.name}: repeated related card"
        assert card.meta["id"] not in related, f"{card.path.name}: related to itself"
        assert set(related) <= ids, f"{card.path.name}: unknown related {set(related) - ids}"


def _asked(path: Path) -> set[str]:
    """A question set as lower-cased strings, read here so a failure never prints it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["question"].strip().lower() for line in lines if line.strip()}


@pytest.mark.slow  # compares every card question with every evaluation question
def test_card_questions_are_not_taken_from_the_question_sets(cards, question_paths, training_paths):
    """Card questions are written from the cards, never copied from an evaluation set."""
    asked = set().union(*(_asked(p) for p in [*question_paths.values(), *training_paths.values()]))
    mine = [q.strip().lower() for card in cards for q in card.meta.get("questions", [])]
    assert [q for q in mine if q in asked] == []
    near = [q for q in mine if any(_near_copy(q, a) for a in asked)]
    assert len(near) == 0, f"{len(near)} card questions are near-copies of evaluation questions"


def _near_copy(a: str, b: str) -> bool:
    """Same question with a word or two changed (difflib ratio >= 0.8)."""
    matcher = SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= NEAR_COPY and matcher.ratio() >= NEAR_COPY


def test_a_second_assessor_judged_the_same_questions(cards, question_paths):
    """Each question set has an independent second judgement of the same questions."""
    ids = {c.meta["id"] for c in cards}
    for path in question_paths.values():
        second = path.with_name(path.name.replace(".jsonl", ".second_assessor.jsonl"))
        first_rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        rows = [json.loads(line) for line in second.read_text().splitlines() if line.strip()]
        assert [r["question"] for r in rows] == [r["question"] for r in first_rows]
        assert all(1 <= len(r["relevant"]) <= 3 and set(r["relevant"]) <= ids for r in rows)


def test_the_dev_sets_do_not_overlap_the_held_out_check_set(question_paths, training_paths):
    held_out = _asked(question_paths["check"])
    for path in training_paths.values():
        assert sorted(_asked(path) & held_out) == [], path.name


def test_retrieval_questions_are_well_formed(question_set):
    name, questions = question_set
    assert len(questions) >= 40, name
    for q in questions:
        assert set(q) == {"question", "relevant"}
        assert q["question"].strip()
        assert 1 <= len(q["relevant"]) <= 3, q["question"]


def test_retrieval_questions_point_at_existing_cards(cards, question_set):
    name, questions = question_set
    ids = {c.meta["id"] for c in cards}
    missing = {cid for q in questions for cid in q["relevant"]} - ids
    assert not missing, f"unknown card ids in {name}: {missing}"


def test_retrieval_questions_cover_every_criterion(cards, question_set):
    name, questions = question_set
    by_id = {c.meta["id"]: c.meta["criteria"] for c in cards}
    covered = {crit for q in questions for cid in q["relevant"] for crit in by_id.get(cid, [])}
    assert KNOWN_CRITERIA <= covered, f"{name} does not cover {KNOWN_CRITERIA - covered}"
