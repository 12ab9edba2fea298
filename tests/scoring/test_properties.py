"""Property tests: any text at all gives a valid, deterministic Report, never an exception.

"Any text" is taken literally: arbitrary Unicode, control characters, words thousands of
letters long, punctuation only, HTML with scripts, right-to-left scripts and bidi marks,
and narrative sentences mixed with all of those (so that evidence spans really occur).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_support import FIXED_IDS, GOLDEN, SAMPLES, SCHEMA

from coach.report import Report
from coach.scoring.engine import Scorer
from coach.scoring.pipeline import build_scorer
from coach.text.draft import Draft, make_draft

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Sentences that fire signals, so generated drafts carry evidence spans to check.
NARRATIVE_PIECES = (
    "Last winter the heat went out at 41 Alder Street and I was scared.",
    "I decided to call the other tenants, and we filed a complaint together.",
    "Within two weeks the landlord fixed the boiler. I learned that we are stronger together.",
    "Imagine a city where every bus comes on time; Riverton has already done it.",
    "Sign the petition at ridersunion.org and come to City Hall on Tuesday at 7 pm.",
    "The council votes on the budget on June 12.",
    "Nurses deserve respect.",
    "- Bring one friend",
    "## Why now",
    "Our Story:",
    '"Nobody should sleep in a coat," Mrs. Okafor said.',
    "Some people think tenants are lazy.",
)
HTML_PIECES = (
    "<script>alert('x')</script>",
    "<p>",
    "</p>",
    "<b>We won</b>",
    "&amp;",
    "&lt;script&gt;",
    "<!-- note -->",
    '<a href="https://example.org">link</a>',
    "<br/>",
    "<style>body{}</style>",
)
RTL_PIECES = (
    "نحن نعمل معا من أجل حي أفضل",
    "אנחנו מתאספים ביום שלישי",
    "\u200f",
    "\u202e",
    "\u202c",
    "\u061c",
    "مرحبا",
)
SEPARATORS = st.sampled_from(["", " ", "\n", "\n\n", "\r\n", "\t", " \u00a0 ", "\n- ", "\n# "])

any_unicode = st.text(max_size=400)
control_heavy = st.text(
    alphabet=st.characters(codec="utf-8", max_codepoint=0x9F, exclude_characters="")
    | st.sampled_from("\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u2028\u2029"),
    max_size=300,
)
long_words = st.lists(
    st.text(alphabet=st.characters(categories=("L", "Nd")), min_size=60, max_size=3000),
    min_size=1,
    max_size=3,
).map(" ".join)
punctuation_only = st.text(alphabet="!?.,;:…—–-\"'()[]{}«»“”‘’*#•/\\|@&%$^~`_=+<>", max_size=300)


def _mixed(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Join a list of pieces with random separators."""
    return st.lists(st.tuples(pieces, SEPARATORS), max_size=25).map(
        lambda parts: "".join(piece + sep for piece, sep in parts)
    )


narrative_mix = _mixed(
    st.sampled_from(NARRATIVE_PIECES) | st.text(max_size=30) | st.sampled_from(HTML_PIECES)
)
html_mix = _mixed(st.sampled_from(HTML_PIECES) | st.sampled_from(NARRATIVE_PIECES))
rtl_mix = _mixed(st.sampled_from(RTL_PIECES) | st.sampled_from(NARRATIVE_PIECES[:4]))


def check_report(draft: Draft, report: Report) -> None:
    """What every Report must satisfy, for any draft."""
    document = report.to_dict()
    assert document["schema"] == SCHEMA
    assert 0 <= report.overall <= 100
    assert report.word_count == draft.word_count >= 0
    assert report.speaking_time_s >= 0
    assert report.nothing_to_score == (draft.word_count == 0)
    assert set(report.components) == {"self", "us", "now"}
    ids = [c.id for c in report.criteria]
    assert set(FIXED_IDS) <= set(ids) and len(ids) == len(set(ids))
    for criterion in report.criteria:
        assert criterion.score in (0, 1, 2) and criterion.max == 2, criterion
        assert 0.0 <= criterion.confidence <= 1.0, criterion
        for evidence in criterion.evidence:
            assert 0 <= evidence.start < evidence.end <= len(draft.text), evidence
            assert draft.text[evidence.start : evidence.end] == evidence.text, evidence
    for sentence in draft.sentences:
        assert draft.text[sentence.start : sentence.end] == sentence.text
        assert sentence.text.strip() == sentence.text != ""


def check_any_text(scorer: Scorer, text: str) -> None:
    draft = make_draft(text)
    report = scorer.score(draft)
    check_report(draft, report)
    again = scorer.score(make_draft(text))
    assert again.to_dict() == report.to_dict(), "the same text must give the same Report"


@PROPERTY_SETTINGS
@given(text=any_unicode)
def test_any_unicode_text(scorer, text: str) -> None:
    check_any_text(scorer, text)


@PROPERTY_SETTINGS
@given(text=control_heavy)
def test_control_characters(scorer, text: str) -> None:
    check_any_text(scorer, text)


@settings(PROPERTY_SETTINGS, max_examples=20)
@given(text=long_words)
def test_very_long_words(scorer, text: str) -> None:
    check_any_text(scorer, text)


@PROPERTY_SETTINGS
@given(text=punctuation_only)
def test_punctuation_only(scorer, text: str) -> None:
    check_any_text(scorer, text)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(text=html_mix)
def test_html_and_scripts(scorer, text: str) -> None:
    check_any_text(scorer, text)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(text=rtl_mix)
def test_right_to_left_text(scorer, text: str) -> None:
    check_any_text(scorer, text)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(text=narrative_mix)
def test_narrative_sentences_among_noise(scorer, text: str) -> None:
    check_any_text(scorer, text)


@pytest.mark.slow
def test_a_second_scorer_gives_identical_reports(scorer) -> None:
    """No hidden state: a freshly built Scorer agrees with the session one, draft for draft."""
    fresh = build_scorer()
    paths = sorted(GOLDEN.glob("*.txt")) + sorted(SAMPLES.glob("*"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert fresh.score(make_draft(text)).to_dict() == scorer.score(make_draft(text)).to_dict()
