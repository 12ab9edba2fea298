"""Cut sections into chunks with stable ids and exact character offsets.

A chunk id is a content hash (sha256 of source id + text + how many times that text
already occurred in the source), so re-ingesting an unchanged file produces the same
ids and a changed file shares ids only with the chunks that really stayed the same.
Chunks are sized for the embedder, which reads at most 128 tokens (~500-600 characters):
longer chunks still match BM25 on their tail, but their vector only sees the start.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from coach.library.sources import Section

CHUNK_SIZE = 600
CHUNK_OVERLAP = 100
#: A section up to this long stays one chunk when ``keep_whole`` (a corpus card).
WHOLE_MAX = 4000


@dataclass(frozen=True)
class Chunk:
    """One piece of a source, with everything needed to cite it."""

    chunk_id: str
    source_id: str
    text: str
    locator: str
    start: int
    end: int
    page: int | None = None


def content_hash(*parts: str) -> str:
    """A short sha256 of the parts (NUL-separated): the library's ids for what text is."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def chunk_id(source_id: str, text: str, occurrence: int = 0) -> str:
    return content_hash(source_id, text, str(occurrence))


def _splitter(size: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=min(CHUNK_OVERLAP, size // 4),
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
    )


def _pieces(text: str, size: int) -> Iterator[tuple[int, str]]:
    """Yield (offset, piece) for the splitter's pieces, located in ``text``."""
    cursor = 0
    for piece in _splitter(size).split_text(text):
        at = text.find(piece, max(0, cursor - size))
        if at < 0:
            at = text.find(piece)
        if at < 0:  # the splitter changed whitespace; fall back to the stripped piece
            continue
        cursor = at + len(piece)
        yield at, piece


class Chunker:
    """Turn the sections of one source into chunks; keeps per-source occurrence counts."""

    def __init__(
        self,
        source_id: str,
        *,
        size: int = CHUNK_SIZE,
        keep_whole: bool = False,
        line_numbers: bool = False,
    ):
        self.source_id = source_id
        self.size = size
        self.keep_whole = keep_whole
        self.line_numbers = line_numbers
        self._seen: dict[str, int] = {}

    def _make(self, text: str, start: int, locator: str, page: int | None) -> Chunk:
        digest = hashlib.sha256(text.encode()).hexdigest()
        occurrence = self._seen.get(digest, 0)
        self._seen[digest] = occurrence + 1
        return Chunk(
            chunk_id(self.source_id, text, occurrence),
            self.source_id,
            text,
            locator,
            start,
            start + len(text),
            page,
        )

    def chunks(self, section: Section) -> Iterator[Chunk]:
        """Chunks of one section; offsets are relative to what ``section.start`` is."""
        body = section.text
        if not body.strip():
            return
        if len(body.strip()) <= self.size or (self.keep_whole and len(body.strip()) <= WHOLE_MAX):
            pieces: Iterable[tuple[int, str]] = [(0, body)]
        else:
            pieces = _pieces(body, self.size)
        lines = _LineIndex(body) if self.line_numbers and not section.locator else None
        for offset, piece in pieces:
            text = piece.strip()
            if not text:
                continue
            local = offset + len(piece) - len(piece.lstrip())
            locator = lines.locate(local, local + len(text)) if lines else section.locator
            yield self._make(text, section.start + local, locator, section.page)


class _LineIndex:
    """Maps character offsets of one text to 1-based line numbers (for plain-text citations)."""

    def __init__(self, text: str):
        self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line(self, offset: int) -> int:
        return bisect_right(self._newlines, offset - 1) + 1

    def locate(self, start: int, end: int) -> str:
        first, last = self.line(start), self.line(max(start, end - 1))
        return f"line {first}" if first == last else f"lines {first}–{last}"
