"""Deterministic fitting and writer folds, shared by every learned model of the project.

The scorer, its checks, the coaching planner and the setting model all fit scikit-learn's
L-BFGS logistic regression on standardised columns (no random state, so the same data gives
the same weights) and measure themselves with folds that never split a writer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from coach.scoring.model import Linear


def fit_linear(
    rows: np.ndarray,
    targets: Sequence,
    c: float,
    balanced: bool = False,
    sample_weight: np.ndarray | None = None,
) -> Linear:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    targets = np.asarray(targets)
    scaler = StandardScaler().fit(rows)
    classes = sorted(set(targets.tolist()))
    if len(classes) == 1:  # everyone agrees (a small fold): always that class
        return Linear(
            scaler.mean_,
            scaler.scale_,
            np.zeros((1, rows.shape[1])),
            np.zeros(1),
            (_plain(classes[0]),),
        )
    model = LogisticRegression(
        C=c, max_iter=5000, class_weight="balanced" if balanced else None
    ).fit(scaler.transform(rows), targets, sample_weight=sample_weight)
    return Linear(
        scaler.mean_,
        scaler.scale_,
        model.coef_,
        model.intercept_,
        tuple(_plain(x) for x in model.classes_),
    )


def _plain(value):
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    return str(value) if isinstance(value, np.str_) else value


def groups_folds(
    groups: Sequence[str], max_folds: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds that never split a writer: one per writer, or, with ``max_folds``, writers dealt
    round-robin from the most prolific down (so the big writers each lead a fold)."""
    groups = np.asarray(groups)
    sizes = {}
    for name in groups.tolist():
        sizes[name] = sizes.get(name, 0) + 1
    names = sorted(sizes, key=lambda n: (-sizes[n], n))
    if len(names) < 2:
        return []
    folds = len(names) if max_folds is None else min(max_folds, len(names))
    fold_of = {name: i % folds for i, name in enumerate(names)}
    assigned = np.asarray([fold_of[g] for g in groups.tolist()])
    return [(np.flatnonzero(assigned != k), np.flatnonzero(assigned == k)) for k in range(folds)]
