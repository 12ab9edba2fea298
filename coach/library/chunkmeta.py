"""What the store keeps beside each chunk and card question, encoded and decoded in one place.

Chroma metadata holds only flat scalars, so lists become joined strings (criteria and
related cards by spaces, questions by newlines, a card's references as JSON) and each
criterion and audience also becomes a boolean flag the store can filter on. Everything
else in the library reads chunks through :class:`ChunkMeta`, never through the raw dict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Prefix of a built-in card's source id (``card:challenge-tell-the-moment``).
CARD_PREFIX = "card:"
AUDIENCES = ("lead", "champion", "trainer")


def criterion_key(criterion: str) -> str:
    """Criteria are stored as boolean flags so any Chroma version can filter on them."""
    return f"c_{criterion}"


def audience_key(audience: str) -> str:
    return f"a_{audience}"


@dataclass(frozen=True)
class Reference:
    """A published work a card's advice comes from, and where in it."""

    title: str
    author: str = ""
    year: str = ""
    url: str = ""
    locator: str = ""

    @property
    def label(self) -> str:
        """``Title (Author, year)``: how a citation names the work."""
        who = ", ".join(part for part in (self.author, self.year) if part and part != "n.d.")
        return f"{self.title} ({who})" if who else self.title

    def to_dict(self) -> dict[str, str]:
        return {
            "title": self.title,
            "author": self.author,
            "year": self.year,
            "url": self.url,
            "locator": self.locator,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reference:
        return cls(
            **{k: str(data.get(k) or "") for k in ("title", "author", "year", "url", "locator")}
        )


@dataclass(frozen=True)
class ChunkMeta:
    """One chunk's metadata: its source, where it sits in it, and (for cards) card fields."""

    source_id: str
    file_sha: str
    title: str
    kind: str
    builtin: bool = False
    #: What a citation names: a card's works, or the user's file name.
    cite: str = ""
    criteria: tuple[str, ...] = ()
    locator: str = ""
    start: int = 0
    end: int = 0
    page: int | None = None
    card_id: str = ""
    questions: tuple[str, ...] = ()
    #: Source ids of the cards to read alongside this one.
    related: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    #: What the stored vector was made from; a vector is reused only when this matches.
    vector_key: str = ""

    def to_store(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "source_id": self.source_id,
            "file_sha": self.file_sha,
            "title": self.title,
            "kind": self.kind,
            "builtin": self.builtin,
            "cite": self.cite,
            "criteria": " ".join(self.criteria),
            "locator": self.locator,
            "start": self.start,
            "end": self.end,
        }
        optional = {
            "page": self.page,
            "card_id": self.card_id,
            "questions": "\n".join(self.questions),
            "related": " ".join(self.related),
            "audience": " ".join(self.audience),
            "references": json.dumps([r.to_dict() for r in self.references], ensure_ascii=False)
            if self.references
            else "",
            "vector_key": self.vector_key,
        }
        meta.update({k: v for k, v in optional.items() if v not in (None, "")})
        meta.update({criterion_key(c): True for c in self.criteria})
        meta.update({audience_key(a): True for a in self.audience})
        return meta

    @classmethod
    def from_store(cls, meta: Mapping[str, Any]) -> ChunkMeta:
        page = meta.get("page")
        return cls(
            source_id=str(meta.get("source_id", "")),
            file_sha=str(meta.get("file_sha", "")),
            title=str(meta.get("title", "")),
            kind=str(meta.get("kind", "")),
            builtin=bool(meta.get("builtin", False)),
            cite=str(meta.get("cite", "")),
            criteria=tuple(str(meta.get("criteria", "")).split()),
            locator=str(meta.get("locator") or ""),
            start=int(meta.get("start", 0) or 0),
            end=int(meta.get("end", 0) or 0),
            page=int(page) if page is not None else None,
            card_id=str(meta.get("card_id", "")),
            questions=tuple(q for q in str(meta.get("questions", "")).split("\n") if q),
            related=tuple(str(meta.get("related", "")).split()),
            audience=tuple(str(meta.get("audience", "")).split()),
            references=_references(meta.get("references")),
            vector_key=str(meta.get("vector_key", "")),
        )


@dataclass(frozen=True)
class QuestionMeta:
    """A card question's vector record: which chunk (card) it belongs to."""

    source_id: str
    file_sha: str
    chunk_id: str

    def to_store(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "file_sha": self.file_sha, "chunk_id": self.chunk_id}

    @classmethod
    def from_store(cls, meta: Mapping[str, Any]) -> QuestionMeta:
        return cls(
            str(meta.get("source_id", "")),
            str(meta.get("file_sha", "")),
            str(meta.get("chunk_id", "")),
        )


def _references(value: Any) -> tuple[Reference, ...]:
    if not value:
        return ()
    try:
        items = json.loads(str(value))
    except ValueError:
        return ()
    return tuple(Reference.from_dict(item) for item in items if isinstance(item, dict))
