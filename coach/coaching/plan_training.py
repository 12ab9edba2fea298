"""Fit the coaching planner on trainers' plans, and cross-validate it by writer.

Each example is one trainer's plan for one corpus draft, read against the Report a scorer
that never saw the draft's writer gives it (``coach.scoring.training.out_of_fold_reports``),
so the planner learns how far to trust the scorer. Folds never split a writer. The two
thresholds (when a draft counts as ready; when a further fix is worth a step) are chosen on
predictions that are themselves out of fold, inside the training data only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from coach.coaching.planner import (
    CANDIDATES,
    Choice,
    DraftSignals,
    PlannerModel,
    candidate_rows,
    choose,
    close_call_agreement,
    draft_signals,
    further_fixes,
    ready_row,
)
from coach.errors import InputError
from coach.report import Report
from coach.scoring.dataset import LabelledDraft
from coach.scoring.fitting import fit_linear, groups_folds
from coach.text.draft import make_draft

#: The labels' story types, as the app names them (a writer chooses one in the app).
APP_TYPES = {
    "full public narrative": "narrative",
    "campaign message": "message",
    "self": "self",
    "us": "us",
    "now": "now",
}
PLANNER_C = 0.1
READY_C = 0.1
FOLDS = 11


@dataclass(frozen=True)
class PlanExample:
    draft_id: str
    writer: str
    labeller: str
    signals: DraftSignals
    first_fix: str  # a candidate id, "none" (ready) or one the planner cannot propose
    fixes: tuple[str, ...]
    ready: bool
    labels: dict[str, int]  # the corpus labels, for "steps aimed at a strong criterion"


def load_trainer_plans(folder: Path) -> list[dict]:
    """Every ``plans/*.jsonl`` row of a corpus (one trainer's plan for one draft each)."""
    rows = []
    for path in sorted((folder / "plans").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return rows


def plans_hash(rows: Sequence[dict]) -> str:
    canonical = json.dumps(sorted(rows, key=lambda r: (r["id"], r["labeller"])), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- fitting ------------------------------------------------------------------------------------


def _candidate_data(examples: Sequence[PlanExample]):
    rows, first, planned, owner = [], [], [], []
    for number, example in enumerate(examples):
        names, matrix = candidate_rows(example.signals)
        for name, row in zip(names, matrix, strict=True):
            rows.append(row)
            first.append(name == example.first_fix)
            planned.append(name in example.fixes)
            owner.append(number)
    return np.asarray(rows), np.asarray(first), np.asarray(planned), np.asarray(owner)


def fit_planner(
    examples: Sequence[PlanExample], c: float = PLANNER_C, training_data: str = ""
) -> PlannerModel:
    thresholds = _thresholds(examples, c)
    return _fit(examples, c, *thresholds, training_data)


def _fit(examples, c, ready_threshold, planned_threshold, training_data="") -> PlannerModel:
    rows, first, planned, _ = _candidate_data(examples)
    ready_rows = np.asarray([ready_row(e.signals) for e in examples])
    return PlannerModel(
        first=fit_linear(rows, first, c),
        planned=fit_linear(rows, planned, c),
        ready=fit_linear(ready_rows, [e.ready for e in examples], READY_C),
        ready_threshold=ready_threshold,
        planned_threshold=planned_threshold,
        training_data=training_data,
    )


def _thresholds(examples: Sequence[PlanExample], c: float) -> tuple[float, float]:
    """Ready and further-fix thresholds chosen on out-of-fold predictions (inner folds by
    writer): "ready" as often as the trainers say it, further fixes for the best F1."""
    folds = groups_folds([e.writer for e in examples], 3)
    ready_p, ranked = [0.0] * len(examples), [None] * len(examples)
    for train, test in folds:
        model = _fit([examples[i] for i in train], c, 0.5, 0.5)
        for i in test:
            ready_p[i] = model.ready_probability(examples[i].signals)
            ranked[i] = model.rank(examples[i].signals)
    # Ready: the threshold at which the planner calls as many drafts ready as the trainers
    # did (the higher one on a tie). F1 is flat across 0.15-0.35, so maximising it picked a
    # different threshold with every refit (docs/coaching.md, session 14).
    wanted = sum(e.ready for e in examples)
    best_ready = min(
        (float(round(t, 2)) for t in np.arange(0.1, 0.95, 0.05)),
        key=lambda t: (abs(sum(p >= t for p in ready_p) - wanted), -t),
    )
    best_planned, best_score = 0.5, -1.0
    for threshold in np.arange(0.1, 0.95, 0.05):
        tp = fp = fn = 0
        for example, found in zip(examples, ranked, strict=True):
            further = set(further_fixes(found or [], threshold))
            wanted = set(example.fixes[1:])
            tp, fp, fn = (
                tp + len(further & wanted),
                fp + len(further - wanted),
                fn + len(wanted - further),
            )
        score = 2 * tp / max(2 * tp + fp + fn, 1)
        if score > best_score:
            best_planned, best_score = float(round(threshold, 2)), score
    return best_ready, best_planned


# --- the plan a model makes, and cross-validation by writer ----------------------------------


def cross_validate_planner(examples: Sequence[PlanExample], c: float = PLANNER_C) -> list[Choice]:
    chosen: list = [None] * len(examples)
    for train, test in groups_folds([e.writer for e in examples], FOLDS):
        model = fit_planner([examples[i] for i in train], c)
        for i in test:
            chosen[i] = choose(model, examples[i].signals)
    return chosen


def plan_agreement(examples: Sequence[PlanExample], chosen: Sequence[Choice]) -> dict:
    """The same measures as ``coach eval-coaching``, on the trainers' plans."""
    n = len(examples)
    pairs = list(zip(examples, chosen, strict=True))
    exact = sum(choice.first == e.first_fix for e, choice in pairs)
    aimed = strong = 0
    for example, choice in pairs:
        for fix in choice.fixes:
            if fix in example.labels:
                aimed += 1
                strong += example.labels[fix] == 2
    ready_total = sum(e.ready for e in examples)
    ready_found = sum(e.ready and choice.ready for e, choice in pairs)
    said_ready = sum(choice.ready for choice in chosen)
    proposable = sum(e.first_fix in CANDIDATES or e.first_fix == "none" for e in examples)
    return {
        "n": n,
        "first_fix_exact": round(exact / max(n, 1), 3),
        "first_fix_proposable": round(proposable / max(n, 1), 3),
        "steps_aimed_at_strong": round(strong / max(aimed, 1), 3),
        "ready_recognised": f"{ready_found}/{ready_total}",
        "said_ready": said_ready,
        **close_call_agreement([(e.first_fix, choice) for e, choice in pairs]),
    }


def trainer_agreement(rows: Sequence[dict]) -> dict:
    """How often two trainers who planned the same draft chose the same first fix: the
    ceiling for any planner."""
    by_id: dict[str, list[dict]] = {}
    for row in rows:
        by_id.setdefault(row["id"], []).append(row)
    pairs = [plans[:2] for plans in by_id.values() if len(plans) >= 2]
    same = sum(
        (a["plan"].get("first_fix") or "none") == (b["plan"].get("first_fix") or "none")
        for a, b in pairs
    )
    ready = sum(bool(a["plan"].get("ready")) == bool(b["plan"].get("ready")) for a, b in pairs)
    return {
        "pairs": len(pairs),
        "first_fix_same": round(same / max(len(pairs), 1), 3),
        "ready_same": round(ready / max(len(pairs), 1), 3),
    }


def plan_examples(
    plans: Sequence[dict], reports: dict[str, Report], drafts: dict[str, LabelledDraft], rubric
) -> list[PlanExample]:
    """Trainers' plans joined with the out-of-fold Report and the corpus labels of each draft.
    A plan is read for the story type its trainer judged (as a writer would choose it in the
    app; a non-narrative is planned as the app's default, a narrative)."""
    examples = []
    for row in plans:
        if row["id"] not in reports or row["id"] not in drafts:
            continue
        item, plan = drafts[row["id"]], row["plan"]
        kind = APP_TYPES.get(row.get("story_type", ""), "narrative")
        report = replace(reports[row["id"]], story_type=kind)
        signals = draft_signals(report, rubric, make_draft(item.text), kind)
        fixes = tuple(plan.get("fixes") or ())
        examples.append(
            PlanExample(
                draft_id=item.id,
                writer=item.writer,
                labeller=row.get("labeller", ""),
                signals=signals,
                first_fix=plan.get("first_fix") or "none",
                fixes=fixes,
                ready=bool(plan.get("ready")),
                labels=dict(item.labels),
            )
        )
    return examples
