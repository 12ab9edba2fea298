"""Learned levels for two of the rubric's criteria beyond the eight: emotion and the opening.

Why: the rubric's phrase signals for these agreed with two helper labellers little better than
chance (docs/scoring.md, session 15); a logistic model over what the scorer already says about
the draft (its eight expected levels, overall and story parts) and the draft's mean sentence
vector agrees with them far better, cross-validated by writer. Which sentences to quote is a
second small model over each sentence's vector and position, and how many the labellers
quoted at each level. The weights are a data file recording the labels' hash;
``coach train-checks`` refits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from coach.scoring.dataset import settle_value
from coach.scoring.model import Linear
from coach.scoring.rubric import FIXED_CRITERIA

CHECKS_FILE = Path(__file__).parent.parent / "data" / "checks.json"
SCHEMA = "checks/v2"
#: Learned here, each with its regularisation with the draft's vector (chosen by
#: cross-validation by writer among 0.01 and 0.1, docs/scoring.md).
CHECKS = {"emotion": 0.01, "values_first_framing": 0.01}
OUTPUTS_ONLY_C = 0.1  # the scorer's outputs alone (drafts in another encoder)
SENTENCE_C = 0.03
#: Labelled in datasets/drafts/checks/: the learned checks, the link from self to us (the
#: scorer reads it from its self/us parts: the rubric's ``from_components``), and crisis
#: framing and myth-busting, which stay with the rule engine: nearly every text is a 2, and a
#: learned level could not find the sentence it is about (docs/scoring.md).
LABELLED = (
    "emotion",
    "link_self_us",
    "values_first_framing",
    "no_crisis_fatalism",
    "no_myth_busting",
)
OUTPUT_COLUMNS = (*(f"expected_{c}" for c in FIXED_CRITERIA), "overall", "self", "us", "now")


def scorer_outputs(
    probabilities: Mapping[str, Sequence[float]], overall: float, components: Mapping[str, bool]
) -> np.ndarray:
    """What the scorer says about a draft, as the check models read it."""
    expected = [sum(i * p for i, p in enumerate(probabilities[c])) for c in FIXED_CRITERIA]
    parts = [float(components[k]) for k in ("self", "us", "now")]
    return np.asarray([*expected, float(overall), *parts], dtype=np.float64)


def unit_mean(sentence_vectors: np.ndarray) -> np.ndarray | None:
    """The draft's mean sentence vector at unit length (None without sentences)."""
    if not len(sentence_vectors):
        return None
    mean = np.asarray(sentence_vectors, dtype=np.float64).mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def sentence_rows(vectors: np.ndarray) -> np.ndarray:
    """Each sentence's vector beside where it sits (relative position, first, last)."""
    n = len(vectors)
    where = np.asarray(
        [[k / max(n - 1, 1), k == 0, k == n - 1] for k in range(n)], dtype=np.float64
    ).reshape(n, 3)
    return np.hstack([np.asarray(vectors, dtype=np.float64), where])


@dataclass(frozen=True)
class CheckModel:
    """One criterion's level (with or without the draft's vector) and its evidence sentences."""

    with_vector: Linear  # drafts in the encoder the weights were fitted with (English)
    outputs: Linear  # other languages: the scorer's outputs only
    sentence: Linear
    quotes: tuple[int, int, int]  # how many sentences labellers quote at each level (median)

    def probabilities(self, outputs: np.ndarray, vector: np.ndarray | None) -> np.ndarray:
        model, row = (
            (self.outputs, outputs)
            if vector is None
            else (self.with_vector, np.hstack([outputs, vector]))
        )
        full = np.zeros(3)
        full[[int(c) for c in model.classes]] = model.proba(row[None, :])[0]
        return full

    def level(self, outputs: np.ndarray, vector: np.ndarray | None) -> tuple[int, float]:
        """The level where the expected level crosses 0.5 and 1.5, and its probability."""
        p = self.probabilities(outputs, vector)
        expected = float(p @ np.arange(3))
        level = int(expected >= 0.5) + int(expected >= 1.5)
        return level, float(p[level])

    def evidence(self, vectors: np.ndarray, level: int) -> tuple[int, ...]:
        """The sentences most likely to carry it, as many as labellers quote at that level."""
        if not self.quotes[level] or not len(vectors):
            return ()
        scores = self.sentence.positive(sentence_rows(vectors))
        return tuple(int(i) for i in np.argsort(-scores, kind="stable")[: self.quotes[level]])


@dataclass(frozen=True)
class CheckWeights:
    models: dict[str, CheckModel]
    training_data: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "training_data": self.training_data,
            "outputs": list(OUTPUT_COLUMNS),
            "models": {
                name: {
                    "with_vector": m.with_vector.to_dict(),
                    "outputs": m.outputs.to_dict(),
                    "sentence": m.sentence.to_dict(),
                    "quotes": list(m.quotes),
                }
                for name, m in self.models.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckWeights:
        if data.get("schema") != SCHEMA or tuple(data.get("outputs", ())) != OUTPUT_COLUMNS:
            raise ValueError("check weights do not match this version; run coach train-checks")
        models = {
            name: CheckModel(
                *(Linear.from_dict(m[k]) for k in ("with_vector", "outputs", "sentence")),
                quotes=tuple(int(n) for n in m["quotes"]),
            )
            for name, m in data["models"].items()
        }
        return cls(models, data.get("training_data", ""))


@lru_cache(maxsize=1)
def check_weights(path: Path = CHECKS_FILE) -> CheckWeights:
    return CheckWeights.from_dict(json.loads(path.read_text(encoding="utf-8")))


# --- labels and fitting -----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckLabel:
    """Settled levels for one text, and the sentences the labellers who saw it quoted."""

    level: dict[str, int]
    evidence: dict[str, tuple[str, ...]]


def _label_rows(folder: Path, name: str) -> dict[str, dict]:
    path = folder / f"{name}.jsonl"
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in (json.loads(line) for line in lines if line.strip())}


def _rounds(folder: Path) -> list[Path]:
    """Each labelling round's folder (its own guide and labellers), in name order."""
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def load_check_labels(folder: Path) -> dict[str, CheckLabel]:
    """Every round in ``folder`` (``first/second/third.jsonl``: two labels per text, a third for
    disputes), merged by text. A field's evidence is what the labellers who gave the settled
    level quoted."""
    level: dict[str, dict[str, int]] = {}
    evidence: dict[str, dict[str, tuple[str, ...]]] = {}
    for round_folder in _rounds(folder):
        first, second, third = (_label_rows(round_folder, n) for n in ("first", "second", "third"))
        for key in sorted(set(first) & set(second)):
            records = (first[key], second[key], third.get(key, {}))
            for name in LABELLED:
                if name not in records[0] or name not in records[1]:
                    continue
                settled = int(settle_value(*(r.get(name) for r in records)))
                agreeing = [r for r in records if r.get(name) == settled] or list(records)
                quotes = (q for r in agreeing for q in r.get(f"{name}_evidence", []))
                level.setdefault(key, {})[name] = settled
                evidence.setdefault(key, {})[name] = tuple(dict.fromkeys(quotes))
    return {key: CheckLabel(level[key], evidence[key]) for key in sorted(level)}


def labeller_agreement(folder: Path) -> dict[str, float]:
    """QWK between the first and second labeller per field: the ceiling for any model."""
    from coach.scoring.evaluate import quadratic_weighted_kappa

    pairs: dict[str, tuple[list[int], list[int]]] = {}
    for round_folder in _rounds(folder):
        first, second = _label_rows(round_folder, "first"), _label_rows(round_folder, "second")
        for key in sorted(set(first) & set(second)):
            for name in LABELLED:
                if name in first[key] and name in second[key]:
                    a, b = pairs.setdefault(name, ([], []))
                    a.append(first[key][name])
                    b.append(second[key][name])
    return {name: round(quadratic_weighted_kappa(a, b), 3) for name, (a, b) in pairs.items()}


def labels_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.jsonl")):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class CheckExample:
    """One labelled text as the check models read it."""

    writer: str
    outputs: np.ndarray
    vector: np.ndarray
    sentence_vectors: np.ndarray
    level: int
    quoted: frozenset[int]


MOST_QUOTES = 3  # a writer reads a few sentences, not a paragraph


def fit_check(examples: Sequence[CheckExample], c: float) -> CheckModel:
    """A check's level models (C for the one with the draft's vector) and its quotes."""
    from coach.scoring.fitting import fit_linear

    levels = [e.level for e in examples]
    outputs = np.stack([e.outputs for e in examples])
    with_vector = np.hstack([outputs, np.stack([e.vector for e in examples])])
    quoting = [e for e in examples if e.quoted and len(e.sentence_vectors)]
    rows = np.vstack([sentence_rows(e.sentence_vectors) for e in quoting])
    quoted = [int(i in e.quoted) for e in quoting for i in range(len(e.sentence_vectors))]
    counts = [[len(e.quoted) for e in examples if e.level == k] for k in range(3)]
    quotes = tuple(min(int(np.median(n)), MOST_QUOTES) if n else 0 for n in counts)
    return CheckModel(
        with_vector=fit_linear(with_vector, levels, c),
        outputs=fit_linear(outputs, levels, OUTPUTS_ONLY_C),
        sentence=fit_linear(rows, quoted, SENTENCE_C),
        quotes=quotes,  # type: ignore[arg-type]
    )


def cross_validate_check(
    examples: Sequence[CheckExample], c: float, folds: int = 10
) -> dict[str, Any]:
    """Levels and quoted sentences for each text from a model fitted without its writer."""
    from coach.scoring.evaluate import quadratic_weighted_kappa
    from coach.scoring.fitting import groups_folds

    with_vector, outputs_only = [0] * len(examples), [0] * len(examples)
    tp = fp = fn = 0
    for train, test in groups_folds([e.writer for e in examples], folds):
        model = fit_check([examples[i] for i in train], c)
        for i in test:
            e = examples[i]
            with_vector[i], _ = model.level(e.outputs, e.vector)
            outputs_only[i], _ = model.level(e.outputs, None)
            if e.quoted:  # quoted as the app would: at the predicted level
                chosen = set(model.evidence(e.sentence_vectors, with_vector[i]))
                tp, fp, fn = (
                    tp + len(chosen & e.quoted),
                    fp + len(chosen - e.quoted),
                    fn + len(e.quoted - chosen),
                )
    human = [e.level for e in examples]
    return {
        "texts": len(examples),
        "qwk": round(quadratic_weighted_kappa(human, with_vector), 3),
        "qwk_outputs_only": round(quadratic_weighted_kappa(human, outputs_only), 3),
        "exact": round(float(np.mean(np.asarray(human) == np.asarray(with_vector))), 3),
        "evidence_precision": round(tp / max(tp + fp, 1), 3),
        "evidence_recall": round(tp / max(tp + fn, 1), 3),
        "evidence_f1": round(2 * tp / max(2 * tp + fp + fn, 1), 3),
    }


# --- reading a draft --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckReading:
    level: int
    confidence: float
    evidence: tuple[int, ...]  # sentence indices


def read_checks(
    weights: CheckWeights,
    probabilities: Mapping[str, Sequence[float]],
    overall: float,
    components: Mapping[str, bool],
    sentence_vectors: np.ndarray | None,
) -> dict[str, CheckReading]:
    """Each learned check's level for a draft; ``sentence_vectors`` (the encoder the weights
    were fitted with, else None) add the draft's vector and the quoted sentences."""
    outputs = scorer_outputs(probabilities, overall, components)
    vector = unit_mean(sentence_vectors) if sentence_vectors is not None else None
    readings = {}
    for name, model in weights.models.items():
        level, confidence = model.level(outputs, vector)
        evidence = model.evidence(sentence_vectors, level) if vector is not None else ()
        readings[name] = CheckReading(level, round(confidence, 2), evidence)
    return readings
