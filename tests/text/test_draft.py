"""Draft: text -> sentences and paragraphs whose offsets index the text exactly as given."""

from __future__ import annotations

import pytest

from coach.errors import InputError
from coach.text.draft import count_words, detect_language, make_draft

WORKSHOP_NOTES = (
    "Why we organise:\n"
    "- Rents went up 30% this year\n"
    "- Repairs take months\n"
    "\n"
    "## Our ask\r\n"
    "Come on Tuesday. Dr. Lee will meet us at 5 p.m. at the Hall. Bring a friend!\n"
    "\n\n"
    "  Thank you — Ana 🙂"
)


def test_sentence_and_paragraph_offsets_index_the_original_text() -> None:
    draft = make_draft(WORKSHOP_NOTES)
    assert draft.text == WORKSHOP_NOTES
    for sentence in draft.sentences:
        assert WORKSHOP_NOTES[sentence.start : sentence.end] == sentence.text
    for paragraph in draft.paragraphs:
        assert WORKSHOP_NOTES[paragraph.start : paragraph.end].strip()
    assert [s.index for s in draft.sentences] == list(range(len(draft.sentences)))
    assert [s.paragraph for s in draft.sentences] == [0, 0, 0, 1, 1, 1, 1, 2]


def test_headings_and_bullets_are_sentences_of_their_own() -> None:
    draft = make_draft(WORKSHOP_NOTES)
    assert [s.text for s in draft.sentences] == [
        "Why we organise:",
        "- Rents went up 30% this year",
        "- Repairs take months",
        "## Our ask",
        "Come on Tuesday.",
        "Dr. Lee will meet us at 5 p.m. at the Hall.",  # abbreviations do not end a sentence
        "Bring a friend!",
        "Thank you — Ana 🙂",
    ]


def test_word_count_keeps_contractions_and_hyphens_whole() -> None:
    assert count_words("Don't stop—we're 3 nurses, well-paid?") == 6
    assert count_words("Jean-Luc’s café") == 2
    assert make_draft(WORKSHOP_NOTES).word_count == 35


def test_speaking_time_follows_the_rate(score) -> None:
    text = "We marched to City Hall. " * 54  # 270 words
    assert make_draft(text).word_count == 270
    assert make_draft(text).speaking_time_s == 120  # the default 135 words a minute
    assert make_draft(text, speaking_rate_wpm=120).speaking_time_s == 135
    assert score(text, speaking_rate_wpm=150).speaking_time_s == 108


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Last spring the tenants of our building decided to fight the rent increase.", "en"),
        ("Nous avons décidé de nous battre pour la cantine de nos enfants.", "fr"),
        ("Hi there", "und"),  # too little to tell
    ],
)
def test_language_is_detected(text: str, language: str) -> None:
    assert detect_language(text) == language
    assert make_draft(text).language == language


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \r\n", "\x00\x00"])
def test_an_empty_draft_is_nothing_to_score(score, text: str) -> None:
    draft = make_draft(text)
    assert draft.is_empty and draft.sentences == () and draft.word_count == 0
    report = score(text)
    assert report.nothing_to_score
    assert report.overall == 0
    assert report.detected_story_type == "empty"
    assert set(report.scores().values()) == {0}
    assert all(c.evidence == () for c in report.criteria)


def test_a_draft_over_the_word_limit_is_refused(score) -> None:
    text = "rent " * 11
    assert make_draft(text, max_words=11).word_count == 11  # at the limit is fine
    with pytest.raises(InputError, match=r"11 words; the limit is 10"):
        make_draft(text, max_words=10)
    with pytest.raises(InputError, match="limit"):
        score(text, max_words=10)


def test_nul_characters_become_spaces_so_offsets_still_index_the_original() -> None:
    original = "\x00\x00We won the vote."
    draft = make_draft(original)
    assert len(draft.text) == len(original)
    (sentence,) = draft.sentences
    assert original[sentence.start : sentence.end] == sentence.text == "We won the vote."


def test_text_must_be_a_string() -> None:
    with pytest.raises(InputError):
        make_draft(b"bytes are decoded by the caller")  # type: ignore[arg-type]


def test_portuguese_text_is_split_not_crashed() -> None:
    text = "Nós decidimos lutar pela escola dos nossos filhos. A prefeitura fechou a creche."
    assert detect_language(text) == "pt"
    draft = make_draft(text)
    assert len(draft.sentences) == 2


def test_a_lone_surrogate_is_replaced_in_place_so_offsets_still_fit():
    """A PDF font can map a glyph to half a surrogate pair; no encoder accepts it."""
    text = "Last March the bus \ud800 stopped. I started a petition."
    draft = make_draft(text)
    assert "\ud800" not in draft.text and len(draft.text) == len(text)
    assert draft.text.encode("utf-8")  # what every writer of a Report does
    assert [draft.text[s.start : s.end] for s in draft.sentences] == [
        "Last March the bus \ufffd stopped.",
        "I started a petition.",
    ]
