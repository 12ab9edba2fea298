"""The guidance cards are data the app relies on: check their shape, coverage and ids."""

from __future__ import annotations

from collections import Counter

import pytest

KNOWN_CRITERIA = {
    "challenge",
    "choice",
    "outcome",
    "hope",
    "call_to_action",
    "values",
    "specificity",
    "urgency",
    "emotion",
    "link_self_us",
    "values_first_framing",
    "no_crisis_fatalism",
    "no_myth_busting",
    "length_delivery",
    "readability",
}
REQUIRED_FIELDS = ("id", "title", "criteria", "source", "section", "source_ref")
#: The only sources the built-in cards may cite, with the reference each one must use.
SIGN_UP_TO_SAFETY = "How do we build a movement? — Sign up to Safety"
RNAO = "Individual and collective action — RNAO Social Movement Action Framework"
RUBRIC_NOTES = (
    "Narrative Coach rubric notes "
    "(Ganz public narrative worksheet; FrameWorks Institute framing research)"
)
SOURCES = {
    SIGN_UP_TO_SAFETY: "seeds/000_cc4992ae29a4c5bc.txt",
    RNAO: "seeds/003_1ed1405532283485.txt",
    RUBRIC_NOTES: "docs/rubric-notes",
}
MIN_CARDS_PER_CRITERION = 3


def test_corpus_has_a_reasonable_number_of_cards(cards):
    assert 45 <= len(cards) <= 55


def test_every_card_has_the_required_fields(cards):
    for card in cards:
        missing = [f for f in REQUIRED_FIELDS if not card.meta.get(f)]
        assert not missing, f"{card.path.name}: missing {missing}"
        assert set(card.meta) == set(REQUIRED_FIELDS), f"{card.path.name}: unexpected fields"
        for field in ("id", "title", "source", "section", "source_ref"):
            assert isinstance(card.meta[field], str), f"{card.path.name}: {field} must be text"


def test_card_id_is_the_file_name(cards):
    for card in cards:
        assert card.meta["id"] == card.path.stem


def test_card_ids_are_unique(cards):
    dupes = [cid for cid, n in Counter(c.meta["id"] for c in cards).items() if n > 1]
    assert not dupes


def test_criteria_are_known_ids(cards):
    for card in cards:
        criteria = card.meta["criteria"]
        assert isinstance(criteria, list) and criteria, f"{card.path.name}: criteria list"
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
        assert 50 <= words <= 260, f"{card.path.name}: body has {words} words"


def test_sources_are_cited_consistently(cards):
    for card in cards:
        source = card.meta["source"]
        assert source in SOURCES, f"{card.path.name}: unknown source {source!r}"
        assert card.meta["source_ref"] == SOURCES[source], f"{card.path.name}: source_ref"


@pytest.mark.parametrize("ref", sorted(r for r in SOURCES.values() if r.startswith("seeds/")))
def test_seed_sections_are_real_headings(cards, repo_root, ref):
    """A card's section must appear as a line of the seed text it cites."""
    candidates = [repo_root / ref, repo_root.parent / "shared" / ref]
    seed = next((p for p in candidates if p.exists()), None)
    if seed is None:
        pytest.skip(f"seed text {ref} is not available here")
    lines = {line.strip().rstrip(":") for line in seed.read_text(encoding="utf-8").splitlines()}
    for card in cards:
        if card.meta["source_ref"] == ref:
            assert card.meta["section"] in lines, f"{card.path.name}: {card.meta['section']!r}"


def test_retrieval_questions_are_well_formed(questions):
    assert len(questions) >= 40
    for q in questions:
        assert set(q) == {"question", "relevant"}
        assert q["question"].strip()
        assert 1 <= len(q["relevant"]) <= 3, q["question"]


def test_retrieval_questions_point_at_existing_cards(cards, questions):
    ids = {c.meta["id"] for c in cards}
    missing = {cid for q in questions for cid in q["relevant"]} - ids
    assert not missing, f"unknown card ids in retrieval_questions.jsonl: {missing}"


def test_retrieval_questions_cover_every_criterion(cards, questions):
    by_id = {c.meta["id"]: c.meta["criteria"] for c in cards}
    covered = {crit for q in questions for cid in q["relevant"] for crit in by_id.get(cid, [])}
    assert KNOWN_CRITERIA <= covered, f"not covered: {KNOWN_CRITERIA - covered}"
