"""Which setting a draft is about, learned: it picks the illustration bank's setting.

Ranking the bank's twelve settings by the cosine between the draft's mean sentence vector and
each setting's mean example matched a labeller's setting for 38% of the writers' texts. A
logistic model over the same mean vector, fitted on the writers' texts (each labelled with a
setting from its brief's persona by a helper who saw only the persona) and on the bank's own
sentences (so settings the corpus lacks can still be chosen), matches 65% cross-validated by
writer and 75% on the held-out coaching drafts (docs/coaching.md, session 14). The weights
are a data file that records its training data's hash; ``coach train-settings`` refits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from coach.scoring.model import Linear

SETTINGS_FILE = Path(__file__).parent.parent / "data" / "settings.json"
SCHEMA = "settings/v1"
SETTING_C = 0.1  # chosen by cross-validation by writer among 0.01-1
Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class SettingModel:
    model: Linear
    training_data: str = ""

    def ranked(self, vector: np.ndarray) -> list[str]:
        """The settings, most likely first (ties in the order of the classes)."""
        p = self.model.proba(vector[None, :])[0]
        order = np.argsort(-p, kind="stable")
        return [self.model.classes[i] for i in order]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "training_data": self.training_data, **self.model.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SettingModel:
        if data.get("schema") != SCHEMA:
            raise ValueError("setting weights do not match this version; run coach train-settings")
        return cls(Linear.from_dict(data), data.get("training_data", ""))


@lru_cache(maxsize=1)
def setting_model(path: Path = SETTINGS_FILE) -> SettingModel:
    return SettingModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def load_setting_labels(path: Path) -> dict[str, str]:
    """``settings.jsonl``: one {"id", "setting", "fit"} per text."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {row["id"]: row["setting"] for row in rows}


def training_rows(
    vectors: dict[str, np.ndarray], labels: dict[str, str], bank, embed: Embed
) -> tuple[np.ndarray, list[str], list[str]]:
    """(rows, settings, groups): labelled texts, then every bank sentence as its own row (its
    group is the bank, so cross-validation never holds it out)."""
    ids = sorted(i for i in labels if i in vectors)
    sentences = [t for item in bank for t in (item.weak, item.strong)]
    bank_rows = np.asarray(embed(sentences), dtype=np.float64)
    bank_rows /= np.linalg.norm(bank_rows, axis=1, keepdims=True)
    rows = np.vstack([np.stack([vectors[i] for i in ids]), bank_rows])
    settings = [labels[i] for i in ids] + [item.setting for item in bank for _ in (0, 1)]
    groups = [i.split("_")[0] for i in ids] + ["bank"] * len(sentences)
    return rows, settings, groups


def fit_setting_model(rows: np.ndarray, settings: list[str], c: float = SETTING_C) -> Linear:
    from coach.scoring.fitting import fit_linear

    return fit_linear(rows, settings, c)


def labels_hash(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode("utf-8")).hexdigest()
