"""Illustrations for a fix, chosen from a bank across settings by similarity to the draft.

One fixed example per criterion sent a hospital's "Ward 6" to tenants, school parents and a
civil-rights speech. The bank (``coach/data/illustrations.jsonl``) holds, per criterion, a
weak and a strong sentence from each of twelve settings (health, unions, tenants, schools,
climate, disability, faith, migrants, small towns, elections, transport, public services),
written by independent helpers and checked by another (docs/coaching.md). The one shown is
the bank entry closest in meaning to the draft (mean sentence vector, cosine), so a tenants'
draft sees a tenants' pattern; it is shown as a pattern — weak, then strong, then the move
in general words — never as text to paste.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

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
    """For each criterion, the entry from the setting most like the draft (the draft's mean
    sentence vector against each setting's; without an encoder, or for an empty draft, the
    first setting by id)."""
    bank = load_bank() if bank is None else bank
    wanted = set(criteria)
    ordered = sorted(bank, key=lambda i: i.id)
    settings = list(dict.fromkeys(i.setting for i in ordered))
    closest = settings
    texts = [s for s in sentences if s.strip()]
    if embed is not None and texts:
        draft = _unit(np.asarray(embed(texts)).mean(axis=0))
        profiles = _profiles(tuple(ordered), tuple(settings), embed)
        centre = profiles.mean(axis=0)  # what sets a setting apart, not how generic it is
        similarity = (profiles - centre) @ _unit(draft - centre)
        closest = [settings[i] for i in np.argsort(-similarity, kind="stable")]
    chosen = {}
    for setting in closest:  # the closest setting that has an entry for the criterion
        for item in ordered:
            if item.setting == setting and item.criterion in wanted:
                chosen.setdefault(item.criterion, item)
    return chosen


_PROFILES: dict[tuple, np.ndarray] = {}
_PROFILES_LOCK = threading.Lock()


def _profiles(
    bank: tuple[Illustration, ...], settings: tuple[str, ...], embed: Embed
) -> np.ndarray:
    """Each setting as the mean of all its sentences, weak and strong, across criteria:
    computed once per encoder (192 sentences) under a lock, so fifty sessions starting at
    once do not all embed the bank (that took 21 s each in the load benchmark)."""
    owner = getattr(embed, "__self__", embed)
    key = (getattr(owner, "model_id", id(owner)), bank, settings)
    with _PROFILES_LOCK:
        if key not in _PROFILES:
            rows = []
            for setting in settings:
                texts = [t for i in bank if i.setting == setting for t in (i.weak, i.strong)]
                rows.append(_unit(np.asarray(embed(texts)).mean(axis=0)))
            _PROFILES[key] = np.stack(rows)
        return _PROFILES[key]


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
