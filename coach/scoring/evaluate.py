"""Agreement between the scorer and human labels (``coach eval``).

Reads ``DIR/labels.jsonl`` and ``DIR/texts/<id>.txt`` and reports, per criterion, exact
agreement, within-one agreement and quadratic-weighted kappa, plus the Spearman rank
correlation of the 0-100 ``overall`` with the labelled 1-5 ``overall``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.errors import InputError
from coach.report import Report
from coach.scoring.rubric import FIXED_CRITERIA

NARRATIVE_LABELS = frozenset({"full public narrative", "self", "us", "now"})


def quadratic_weighted_kappa(
    a: list[int], b: list[int], categories: int = 3, sample_weight: Sequence[float] | None = None
) -> float:
    """Cohen's kappa with quadratic weights; 1.0 when both raters agree perfectly. With
    ``sample_weight`` a text counts as much as its weight."""
    if len(a) != len(b) or not a:
        raise ValueError("need two equally long, non-empty rating lists")
    if any(not 0 <= x < categories for x in (*a, *b)):
        raise ValueError(f"ratings must be whole numbers from 0 to {categories - 1}")
    counts = [1.0] * len(a) if sample_weight is None else list(sample_weight)
    observed = np.zeros((categories, categories))
    for x, y, w in zip(a, b, counts, strict=True):
        observed[x, y] += w
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    i, j = np.indices((categories, categories))
    weights = (i - j) ** 2 / (categories - 1) ** 2
    denominator = float((weights * expected).sum())
    if denominator == 0:  # both raters used a single, identical category
        return 1.0 if float((weights * observed).sum()) == 0 else 0.0
    return 1.0 - float((weights * observed).sum()) / denominator


def _average_ranks(values: list[float]) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = np.asarray(values)[order]
    start = 0
    while start < len(values):
        stop = start
        while stop + 1 < len(values) and sorted_values[stop + 1] == sorted_values[start]:
            stop += 1
        ranks[order[start : stop + 1]] = (start + stop) / 2 + 1
        start = stop + 1
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman rank correlation with average ranks for ties."""
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("need two equally long lists of at least two values")
    ra, rb = _average_ranks(a), _average_ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


@dataclass(frozen=True)
class LabelledText:
    id: str
    text: str
    labels: dict[str, int]
    overall: float
    components: dict[str, bool]
    story_type: str = ""
    evidence: dict[str, tuple[str, ...]] | None = None

    @property
    def is_narrative(self) -> bool:
        return self.story_type in NARRATIVE_LABELS


def load_labelled_dir(directory: Path) -> list[LabelledText]:
    labels_file = directory / "labels.jsonl"
    if not labels_file.is_file():
        raise InputError(f"{directory}: no labels.jsonl (expected DIR/labels.jsonl and DIR/texts/)")
    items = []
    for number, line in enumerate(labels_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text_file = directory / "texts" / f"{record['id']}.txt"
            labels = record["labels"]
            if not isinstance(labels, dict) or not all(
                isinstance(v, int) and not isinstance(v, bool) and v in (0, 1, 2)
                for v in labels.values()
            ):
                raise ValueError("'labels' must map criterion ids to 0, 1 or 2")
            items.append(
                LabelledText(
                    id=record["id"],
                    text=text_file.read_text(encoding="utf-8"),
                    labels=dict(labels),
                    overall=float(record.get("overall", 0)),
                    components={k: bool(record.get(k)) for k in ("self", "us", "now")},
                    story_type=str(record.get("story_type", "")),
                    evidence={k: tuple(v) for k, v in record["evidence"].items()}
                    if isinstance(record.get("evidence"), dict)
                    else None,
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{labels_file}:{number}: malformed record ({exc})") from exc
        except OSError as exc:
            raise InputError(f"{labels_file}:{number}: cannot read text ({exc.strerror})") from exc
    if len(items) < 2:
        raise InputError(f"{labels_file}: need at least two labelled texts to measure agreement")
    return items


def evaluate(items: list[LabelledText], score: Callable[[str], Report]) -> dict:
    """Score every text and compare with its labels. Returns the ``coach eval`` JSON object."""
    reports = [score(item.text) for item in items]
    criteria_ids = [c for c in FIXED_CRITERIA if all(c in item.labels for item in items)]
    extra = sorted({k for item in items for k in item.labels} - set(criteria_ids))
    criteria_ids += [c for c in extra if all(c in item.labels for item in items)]
    per_criterion = {}
    for cid in criteria_ids:
        human = [item.labels[cid] for item in items]
        try:
            machine = [report.criterion(cid).score for report in reports]
        except KeyError:
            continue
        per_criterion[cid] = {
            "exact": round(
                float(np.mean([h == m for h, m in zip(human, machine, strict=True)])), 3
            ),
            "within_one": round(
                float(np.mean([abs(h - m) <= 1 for h, m in zip(human, machine, strict=True)])), 3
            ),
            "qwk": round(quadratic_weighted_kappa(human, machine), 3),
        }
    fixed = [per_criterion[c] for c in FIXED_CRITERIA if c in per_criterion]
    components = {}
    for key in ("self", "us", "now"):
        agree = [
            item.components[key] == r.components.get(key)
            for item, r in zip(items, reports, strict=True)
        ]
        components[key] = round(float(np.mean(agree)), 3)
    return {
        "n": len(items),
        "criteria": per_criterion,
        "mean_qwk": round(float(np.mean([c["qwk"] for c in fixed])), 3) if fixed else None,
        "mean_within_one": round(float(np.mean([c["within_one"] for c in fixed])), 3)
        if fixed
        else None,
        "mean_exact": round(float(np.mean([c["exact"] for c in fixed])), 3) if fixed else None,
        "overall_spearman": round(
            spearman([r.overall for r in reports], [item.overall for item in items]), 3
        ),
        "overall_spearman_narratives": _narrative_spearman(items, reports),
        "components_accuracy": components,
        "evidence": _evidence(items, reports),
        "per_text": [
            {
                "id": item.id,
                "overall": r.overall,
                "label_overall": item.overall,
                "scores": r.scores(),
                "labels": item.labels,
            }
            for item, r in zip(items, reports, strict=True)
        ],
    }


def _narrative_spearman(items: list[LabelledText], reports: list[Report]) -> float | None:
    pairs = [(r.overall, i.overall) for i, r in zip(items, reports, strict=True) if i.is_narrative]
    if len(pairs) < 3:
        return None
    return round(spearman([a for a, _ in pairs], [b for _, b in pairs]), 3)


def _evidence(items: list[LabelledText], reports: list[Report]) -> dict | None:
    """Sentence precision/recall of evidence spans against labelled evidence, where labelled."""
    from coach.scoring.dataset import evidence_indices
    from coach.text.draft import make_draft

    tp = fp = fn = 0
    labelled = False
    for item, report in zip(items, reports, strict=True):
        if not item.evidence:
            continue
        sentences = make_draft(item.text).sentences
        texts = [s.text for s in sentences]
        for criterion, quotes in item.evidence.items():
            if item.labels.get(criterion, 0) == 0 or not quotes:
                continue
            gold = evidence_indices(texts, quotes)
            if not gold:
                continue
            labelled = True
            try:
                spans = report.criterion(criterion).evidence
            except KeyError:
                continue
            chosen = {s.index for s in sentences for e in spans if s.start <= e.start < s.end}
            tp, fp, fn = tp + len(chosen & gold), fp + len(chosen - gold), fn + len(gold - chosen)
    if not labelled:
        return None
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}
