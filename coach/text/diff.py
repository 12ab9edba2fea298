"""What changed between two versions of a draft, word by word (difflib, on words and spaces).

Words, not characters: a writer reads "replaced 'a meeting' with 'the board meeting on 3
March'", and a character diff of a rewritten sentence is noise.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKENS = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")  # spaces, words, single marks
_WORD = re.compile(r"\w+(?:['’]\w+)*")


@dataclass(frozen=True)
class Change:
    kind: str  # "same", "removed" or "added"
    text: str


def word_diff(old: str, new: str) -> list[Change]:
    """The new text as runs of kept, removed and added words, in reading order."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            changes.append(Change("same", "".join(before[a0:a1])))
            continue
        if a1 > a0:
            changes.append(Change("removed", "".join(before[a0:a1])))
        if b1 > b0:
            changes.append(Change("added", "".join(after[b0:b1])))
    return changes


def changed_words(changes: list[Change]) -> tuple[int, int]:
    """(words removed, words added): the size of a revision at a glance."""
    removed = sum(len(_WORD.findall(c.text)) for c in changes if c.kind == "removed")
    added = sum(len(_WORD.findall(c.text)) for c in changes if c.kind == "added")
    return removed, added
