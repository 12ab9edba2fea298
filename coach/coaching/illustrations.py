"""Illustrations for a fix, chosen from a bank across settings by similarity to the draft.

One fixed example per criterion sent a hospital's "Ward 6" to tenants, school parents and a
civil-rights speech. The bank (``coach/data/illustrations.jsonl``) holds, per criterion, a
weak and a strong sentence from each of twelve settings (health, unions, tenants, schools,
climate, disability, faith, migrants, small towns, elections, transport, public services),
written by independent helpers and checked by another (docs/coaching.md). The one shown is
from the setting a learned model says the draft is about (``setting_model``), so a tenants'
draft sees a tenants' pattern; it is shown as a pattern — weak, then strong, then the move
in general words — never as text to paste.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from coach.coaching.setting_model import setting_model
from coach.text.embeddings import draft_vector

BANK_FILE = Path(__file__).parent.parent / "data" / "illustrations.jsonl"
Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Illustration:
    id: str
    setting: str
    criterion: str
    weak: str
    strong: str
    pattern: str

    @property
    def text(self) -> str:
        return f"{self.weak} {self.strong}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "setting": self.setting,
            "weak": self.weak,
            "strong": self.strong,
            "pattern": self.pattern,
        }


@lru_cache(maxsize=2)
def load_bank(path: Path = BANK_FILE) -> tuple[Illustration, ...]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    fields = Illustration.__dataclass_fields__
    return tuple(Illustration(**{k: v for k, v in row.items() if k in fields}) for row in rows)


def choose_illustrations(
    sentences: list[str],
    criteria: Iterable[str],
    embed: Embed | None,
    bank: tuple[Illustration, ...] | None = None,
) -> dict[str, Illustration]:
    """For each criterion, the entry from the setting the draft is most likely about (the
    learned setting model on the draft's mean sentence vector; without an encoder, or for an
    empty draft, the first setting by id)."""
    bank = load_bank() if bank is None else bank
    wanted = set(criteria)
    ordered = sorted(bank, key=lambda i: i.id)
    closest = list(dict.fromkeys(i.setting for i in ordered))
    vector = draft_vector(sentences, embed) if embed is not None else None
    if vector is not None:
        likely = setting_model().ranked(vector)
        closest = [s for s in likely if s in closest] + [s for s in closest if s not in likely]
    chosen = {}
    for setting in closest:  # the likeliest setting that has an entry for the criterion
        for item in ordered:
            if item.setting == setting and item.criterion in wanted:
                chosen.setdefault(item.criterion, item)
    return chosen
