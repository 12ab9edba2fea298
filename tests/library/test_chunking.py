"""Chunks: stable ids, exact offsets, and locators a reader can follow."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coach.library.chunking import CHUNK_SIZE, Chunker, chunk_id
from coach.library.sources import Section, heading_sections


def test_chunk_ids_are_content_hashes():
    assert chunk_id("a.md", "same text") == chunk_id("a.md", "same text")
    assert chunk_id("a.md", "same text") != chunk_id("b.md", "same text")
    assert chunk_id("a.md", "same text", 0) != chunk_id("a.md", "same text", 1)


def test_long_section_is_cut_with_offsets_into_the_original():
    paragraph = "We met in the car park after the night shift and made a plan. " * 12
    text = "\n\n".join([paragraph] * 4)
    chunks = list(Chunker("doc").chunks(Section(text, start=100, locator="p. 4", page=4)))
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk.text) <= CHUNK_SIZE
        assert text[chunk.start - 100 : chunk.end - 100] == chunk.text
        assert chunk.locator == "p. 4" and chunk.page == 4


def test_repeated_text_in_one_source_gets_distinct_ids():
    chunker = Chunker("report.pdf")
    first = list(chunker.chunks(Section("Confidential — page footer", 0, "p. 1", 1)))
    second = list(chunker.chunks(Section("Confidential — page footer", 0, "p. 2", 2)))
    assert first[0].chunk_id != second[0].chunk_id


def test_a_card_stays_one_chunk():
    body = "Make one specific ask. " * 60  # ~1400 characters, longer than a normal chunk
    (chunk,) = Chunker("card:x", keep_whole=True).chunks(Section(body, 0))
    assert chunk.text == body.strip()


def test_plain_text_chunks_cite_line_numbers():
    text = "first line\nsecond line\n\nthird paragraph line\n"
    (chunk,) = Chunker("notes.txt", line_numbers=True).chunks(Section(text, 0))
    assert chunk.locator == "lines 1–4"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000))
def test_any_text_chunks_without_crashing_and_offsets_hold(text):
    for section in heading_sections(text):
        for chunk in Chunker("fuzz").chunks(section):
            assert text[chunk.start : chunk.end] == chunk.text
            assert chunk.text.strip() == chunk.text != ""
