"""text -> Draft: sentences and paragraphs with character offsets into the original text.

Offsets always index the text exactly as the user gave it, so evidence spans can be
highlighted in the editor and quoted in exports without drift. Sentence splitting is
pysbd (rule-based, multilingual) run line by line, because drafts are full of headings,
bullets and sign-offs that have no final punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from coach.errors import InputError

DEFAULT_WPM = 135
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*\s+")
MAX_BLOCK = 2000


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int


@dataclass(frozen=True)
class Paragraph:
    index: int
    start: int
    end: int


@dataclass(frozen=True)
class Draft:
    """A text split into sentences and paragraphs, with counts the scorer and UI need."""

    text: str
    sentences: tuple[Sentence, ...]
    paragraphs: tuple[Paragraph, ...]
    language: str
    word_count: int
    speaking_rate_wpm: int = DEFAULT_WPM

    @property
    def speaking_time_s(self) -> int:
        return round(self.word_count * 60 / self.speaking_rate_wpm)

    @property
    def is_empty(self) -> bool:
        return self.word_count == 0


def word_tokens(text: str) -> list[str]:
    """Words in any script (letters and digits, with inner apostrophes or hyphens)."""
    return _WORD.findall(text)


def count_words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


@lru_cache(maxsize=8)
def stopwords(language: str) -> frozenset[str]:
    """Function words of a draft's language (bm25s's lists; English for any other language)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH, STOPWORDS_SPANISH

    chosen = {"es": STOPWORDS_SPANISH, "fr": STOPWORDS_FRENCH}.get(language, STOPWORDS_EN_PLUS)
    return frozenset(chosen)


@lru_cache(maxsize=1)
def _language_identifier():
    import py3langid

    return py3langid


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language; 'und' when there is too little to tell."""
    sample = text[:5000]
    if count_words(sample) < 4:
        return "und"
    code, _ = _language_identifier().classify(sample)
    return code


def _segmenter(language: str):
    """A fresh segmenter: pysbd keeps the text being split on the object, so sharing one
    between threads (Streamlit sessions) mixes their drafts. Building one costs microseconds."""
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    lang = language if language in LANGUAGE_CODES else "en"
    return pysbd.Segmenter(language=lang, clean=False, char_span=False)


@lru_cache(maxsize=4096)
def _segment(block: str, language: str) -> tuple[str, ...]:
    """pysbd's sentences of one line, remembered: an edit re-splits only the line it touched
    (splitting is a tenth of an edit's rescoring time otherwise)."""
    return tuple(_segmenter(language).segment(block))


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, cursor = [], 0
    for match in _BLANK_LINE.finditer(text):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    while cursor < end:
        newline = text.find("\n", cursor, end)
        stop = end if newline == -1 else newline
        if text[cursor:stop].strip():
            spans.append((cursor, stop))
        cursor = stop + 1
    return spans


def _blocks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a very long line at sentence ends into pieces of about MAX_BLOCK characters.

    pysbd's cost grows with the square of a line's length; drafts pasted as one line
    (or generated text) would otherwise take minutes.
    """
    blocks, cursor = [], start
    while end - cursor > MAX_BLOCK:
        cut = None
        for match in _SENTENCE_END.finditer(text, cursor + MAX_BLOCK // 2, cursor + MAX_BLOCK):
            cut = match.end()
        cut = cut or cursor + MAX_BLOCK
        blocks.append((cursor, cut))
        cursor = cut
    blocks.append((cursor, end))
    return blocks


def _sentence_spans(text: str, start: int, end: int, language: str) -> list[tuple[int, int]]:
    """Split one line into sentence spans, trimmed of surrounding whitespace."""
    spans = []
    for block_start, block_end in _blocks(text, start, end):
        spans += _split_block(text, block_start, block_end, language)
    return spans


def _split_block(text: str, start: int, end: int, language: str) -> list[tuple[int, int]]:
    pieces = _segment(text[start:end], language)
    spans, cursor = [], start
    for piece in pieces:
        stripped = piece.strip()
        if not stripped:
            continue
        found = text.find(stripped, cursor, end)
        if found == -1:  # segmenter altered the text; fall back to the whole remainder
            spans.append((cursor, end))
            break
        spans.append((found, found + len(stripped)))
        cursor = found + len(stripped)
    return spans


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def make_draft(
    text: str,
    *,
    speaking_rate_wpm: int = DEFAULT_WPM,
    language: str | None = None,
    max_words: int | None = None,
) -> Draft:
    """Split text into a Draft. Raises InputError for text over ``max_words``.

    Empty or whitespace-only text gives an empty Draft (the scorer reports "nothing to
    score"), not an error: an empty editor is a normal state, not a failure.
    """
    if not isinstance(text, str):
        raise InputError("draft text must be a string")
    text = text.replace("\x00", " ")  # same length: offsets still index the user's text
    # A lone surrogate (a PDF font's broken mapping, a fuzzer) is not text any encoder or
    # tokenizer accepts; one replacement character keeps every offset where it was.
    text = _LONE_SURROGATE.sub("\ufffd", text)
    words = count_words(text)
    if max_words is not None and words > max_words:
        raise InputError(
            f"draft has {words:,} words; the limit is {max_words:,}. "
            "Split it into separate drafts or raise COACH_MAX_WORDS."
        )
    lang = language or detect_language(text)
    sentences: list[Sentence] = []
    paragraphs: list[Paragraph] = []
    for p_index, (p_start, p_end) in enumerate(_paragraph_spans(text)):
        paragraphs.append(Paragraph(p_index, p_start, p_end))
        for l_start, l_end in _line_spans(text, p_start, p_end):
            for s_start, s_end in _sentence_spans(text, l_start, l_end, lang):
                sentences.append(
                    Sentence(len(sentences), s_start, s_end, text[s_start:s_end], p_index)
                )
    return Draft(
        text=text,
        sentences=tuple(sentences),
        paragraphs=tuple(paragraphs),
        language=lang,
        word_count=words,
        speaking_rate_wpm=speaking_rate_wpm,
    )


def spoken(seconds: float) -> str:
    """A time aloud in one wording everywhere: ``"52 s"``, ``"1 min 37 s"``."""
    seconds = int(round(seconds))
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"
