"""Fit the learned scorer on the labelled corpus, and cross-validate it by writer.

Deterministic: scikit-learn's L-BFGS logistic regression on standardised features, with
fixed regularisation, no random state involved. Stage 1's sentence probabilities that feed
stage 2 are always out-of-fold *by writer*, so stage 2 learns how far to trust stage 1 on a
writer it has not seen. Sentence vectors are cached on disk by text (``cache_dir``), so a
second run does not embed the corpus again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from coach.report import Report
from coach.scoring.dataset import COMPONENTS, LabelledDraft, corpus_hash, evidence_indices
from coach.scoring.engine import Scorer
from coach.scoring.evaluate import quadratic_weighted_kappa, spearman
from coach.scoring.features import DraftFeatures, extract
from coach.scoring.fitting import fit_linear, groups_folds
from coach.scoring.model import (
    CAPS,
    EVIDENCE_COLUMNS,
    POOLED_COLUMNS,
    KindModel,
    Linear,
    Prediction,
    ScorerWeights,
    evidence_rows,
    pooled_evidence,
    sentence_levels,
)
from coach.scoring.rubric import FIXED_CRITERIA, Rubric
from coach.text.draft import make_draft
from coach.text.embeddings import CachedEncoder

TARGETS = (*FIXED_CRITERIA, *COMPONENTS, "overall", "story_type")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainConfig:
    """Regularisation (inverse strength) per stage; chosen by cross-validation, see docs."""

    sentence_c: float = 0.05
    draft_c: float = 0.02
    # The eight criteria's level models may be regularised apart from self/us/now, overall and
    # story type (None: as draft_c). Session 13 measured a harder setting and did not ship it
    # (docs/scoring.md).
    criterion_c: float | None = None
    decision: str = "cutpoints"
    target_c: dict[str, float] = field(default_factory=dict)
    # A speech excerpt counts half as much as a writer's text in stages 1 and 2 and the
    # cut-points (not in the evidence ranker): the speeches otherwise pull the shared linear
    # model away from workshop drafts (docs/scoring.md, sessions 11 and 12).
    speech_weight: float = 0.5

    def __post_init__(self) -> None:
        if not self.speech_weight > 0:
            raise ValueError("speech_weight must be above 0")
        costs = (self.sentence_c, self.draft_c, *self.target_c.values())
        costs += () if self.criterion_c is None else (self.criterion_c,)
        if not all(c > 0 for c in costs):
            raise ValueError("every regularisation C must be above 0")

    def c_for(self, target: str) -> float:
        criteria = self.draft_c if self.criterion_c is None else self.criterion_c
        default = criteria if target in FIXED_CRITERIA else self.draft_c
        return self.target_c.get(target, default)

    def draft_weights(self, drafts: Sequence[LabelledDraft]) -> np.ndarray:
        """How much each draft counts in fitting."""
        return np.asarray([self.speech_weight if d.is_speech_excerpt else 1.0 for d in drafts])


# --- sentence vectors cached by text ----------------------------------------------------------


class DiskCachedEncoder(CachedEncoder):
    """A CachedEncoder whose vectors are also kept in ``cache_dir`` between runs."""

    def __init__(self, encoder, cache_dir: Path | None) -> None:
        super().__init__(encoder, max_items=10**7)
        self._file = None
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            slug = hashlib.sha256(encoder.model_id.encode()).hexdigest()[:12]
            self._file = cache_dir / f"sentence-vectors-{slug}.npz"
            if self._file.exists():
                with np.load(self._file, allow_pickle=False) as stored:
                    for text, vector in zip(stored["texts"], stored["vectors"], strict=True):
                        self._vectors[str(text)] = vector

    def save(self) -> None:
        if self._file is not None and self._vectors:
            texts = np.asarray(list(self._vectors), dtype=str)
            vectors = np.stack(list(self._vectors.values()))
            np.savez(self._file, texts=texts, vectors=vectors)


def corpus_features(
    drafts: Sequence[LabelledDraft],
    rules: Scorer,
    encoders: dict[str, object],
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, list[DraftFeatures | None]]:
    """Features of every draft for each kind: ``en`` for English drafts, ``multi`` for all."""
    result: dict[str, list[DraftFeatures | None]] = {}
    for kind, encoder in encoders.items():
        cached = DiskCachedEncoder(encoder, cache_dir)
        rows: list[DraftFeatures | None] = []
        for number, item in enumerate(drafts, 1):
            if kind == "en" and item.language != "en":
                rows.append(None)
                continue
            draft = make_draft(item.text)
            rows.append(extract(draft, rules, cached, kind=kind))
            if progress and number % 50 == 0:
                progress(f"{kind}: features for {number}/{len(drafts)} drafts")
        cached.save()
        result[kind] = rows
    return result


def gold_evidence(feature: DraftFeatures, item: LabelledDraft) -> dict[str, set[int]]:
    """The sentences the labellers quoted, per criterion the settled label scores 1 or 2."""
    return {
        c: evidence_indices(list(feature.sentences), item.evidence.get(c, ()))
        if item.labels[c]
        else set()
        for c in FIXED_CRITERIA
    }


def _sentence_targets(
    features: list[DraftFeatures], golds: list[dict[str, set[int]]], levels: list[dict[str, int]]
):
    """Stacked sentence rows and, per criterion, each sentence's target: 0 if it is not
    labelled evidence, else the draft's level (stage 1 learns a vague ask from a specific one)."""
    rows, owner, targets = [], [], {c: [] for c in FIXED_CRITERIA}
    for index, (feature, gold) in enumerate(zip(features, golds, strict=True)):
        n = len(feature.sentences)
        rows.append(feature.sentence_rows)
        owner += [index] * n
        for criterion in FIXED_CRITERIA:
            level = levels[index][criterion]
            targets[criterion] += [level if i in gold[criterion] else 0 for i in range(n)]
    return np.vstack(rows), np.asarray(owner), {c: np.asarray(v) for c, v in targets.items()}


def _fit_sentence_models(rows, targets, c, sentence_weight) -> dict[str, Linear]:
    return {
        criterion: fit_linear(rows, targets[criterion], c, sample_weight=sentence_weight)
        for criterion in FIXED_CRITERIA
    }


def _target_values(drafts: list[LabelledDraft], target: str) -> list:
    if target in FIXED_CRITERIA:
        return [d.labels[target] for d in drafts]
    if target in COMPONENTS:
        return [int(d.components[target]) for d in drafts]
    if target == "overall":
        return [d.overall for d in drafts]
    return [d.story_type for d in drafts]


EVIDENCE_C = 1.0  # the evidence ranker has 19 columns and many rows: little to regularise
INNER_FOLDS = 3  # writer folds for stage 1's out-of-fold outputs while fitting stage 2
OUTER_FOLDS = 11  # cross-validation: each of the ten corpus writers leads a fold


def fit_kind(
    features: list[DraftFeatures], drafts: list[LabelledDraft], config: TrainConfig
) -> KindModel:
    """Both stages for one encoder kind; stage 2 sees out-of-fold (by writer) stage-1 outputs."""
    golds = [gold_evidence(f, d) for f, d in zip(features, drafts, strict=True)]
    rows, owner, targets = _sentence_targets(features, golds, [d.labels for d in drafts])
    groups = [d.writer for d in drafts]
    draft_weight = config.draft_weights(drafts)
    pooled = np.zeros((len(drafts), len(POOLED_COLUMNS)))
    oof_probs: list[dict[str, np.ndarray] | None] = [None] * len(drafts)
    for train, test in groups_folds(groups, INNER_FOLDS):
        mask = np.isin(owner, train)
        models = _fit_sentence_models(
            rows[mask],
            {c: t[mask] for c, t in targets.items()},
            config.sentence_c,
            draft_weight[owner][mask],
        )
        for i in test:
            probs = {
                c: sentence_levels(models[c], features[i].sentence_rows) for c in FIXED_CRITERIA
            }
            oof_probs[i] = probs
            pooled[i] = pooled_evidence(probs)
    sentence = _fit_sentence_models(rows, targets, config.sentence_c, draft_weight[owner])
    if not groups_folds(groups):  # one writer only: in-sample stage 1 (tests on tiny data)
        for i, feature in enumerate(features):
            oof_probs[i] = {
                c: sentence_levels(sentence[c], feature.sentence_rows) for c in FIXED_CRITERIA
            }
            pooled[i] = pooled_evidence(oof_probs[i])
    draft_rows = np.hstack([np.stack([f.draft_row for f in features]), pooled])
    draft = {
        t: fit_linear(
            draft_rows, _target_values(drafts, t), config.c_for(t), sample_weight=draft_weight
        )
        for t in TARGETS
    }
    rankers = {c: _fit_evidence_ranker(oof_probs, golds, drafts, c) for c in FIXED_CRITERIA}
    scores = [
        {c: rankers[c].positive(evidence_rows(probs, c)) for c in FIXED_CRITERIA}
        for probs in oof_probs
    ]
    # The thresholds are chosen on the rows the rankers were fitted on: 19 columns over
    # thousands of sentences, so the optimism is small (cross-validation measures the whole).
    thresholds = {c: _best_threshold(scores, golds, drafts, c) for c in FIXED_CRITERIA}
    cutpoints, component_threshold = _fit_decisions(
        draft_rows, drafts, groups, config, draft_weight
    )
    return KindModel(
        sentence_columns=features[0].sentence_columns,
        draft_columns=features[0].draft_columns,
        sentence=sentence,
        draft=draft,
        evidence=rankers,
        evidence_threshold=thresholds,
        decision=config.decision,
        cutpoints=cutpoints,
        component_threshold=component_threshold,
    )


CUT_GRID = np.round(np.arange(0.2, 1.85, 0.05), 2)


def _fit_decisions(
    draft_rows: np.ndarray, drafts: list[LabelledDraft], groups, config, draft_weight: np.ndarray
):
    """Cut-points on the expected level (best QWK) and self/us/now thresholds (best accuracy),
    chosen on stage 2's out-of-fold predictions by writer; defaults with a single writer."""
    folds = groups_folds(groups, INNER_FOLDS)
    if not folds:
        return {c: (0.5, 1.5) for c in FIXED_CRITERIA}, {k: 0.5 for k in COMPONENTS}
    expected = {c: np.zeros(len(drafts)) for c in FIXED_CRITERIA}
    present = {k: np.zeros(len(drafts)) for k in COMPONENTS}
    for train, test in folds:
        for target in (*FIXED_CRITERIA, *COMPONENTS):
            values = _target_values(drafts, target)
            model = fit_linear(
                draft_rows[train],
                [values[i] for i in train],
                config.c_for(target),
                sample_weight=draft_weight[train],
            )
            if target in COMPONENTS:
                present[target][test] = model.positive(draft_rows[test])
            else:
                full = np.zeros((len(test), 3))
                full[:, [int(c) for c in model.classes]] = model.proba(draft_rows[test])
                expected[target][test] = full @ np.arange(3)
    cutpoints = {}
    for criterion in FIXED_CRITERIA:
        human = [d.labels[criterion] for d in drafts]
        best = (-2.0, 0.5, 1.5)
        for low in CUT_GRID:
            for high in CUT_GRID[CUT_GRID > low]:
                levels = (expected[criterion] >= low).astype(int) + (expected[criterion] >= high)
                kappa = quadratic_weighted_kappa(human, levels.tolist(), sample_weight=draft_weight)
                if kappa > best[0] + 1e-9:
                    best = (kappa, float(low), float(high))
        cutpoints[criterion] = (best[1], best[2])
    component_threshold = {}
    for key in COMPONENTS:
        human = np.asarray([d.components[key] for d in drafts])
        accuracy = {
            t: float(np.average((present[key] >= t) == human, weights=draft_weight))
            for t in CUT_GRID[CUT_GRID < 1]
        }
        component_threshold[key] = float(max(accuracy, key=lambda t: (accuracy[t], -abs(t - 0.5))))
    return cutpoints, component_threshold


def _fit_evidence_ranker(oof_probs, golds, drafts: list[LabelledDraft], criterion: str) -> Linear:
    """Which sentences labellers quote, from stage 1's out-of-fold probabilities in context,
    learned where the label is 1 or 2 (only there is evidence shown)."""
    rows, quoted = [np.zeros((0, len(EVIDENCE_COLUMNS)))], []
    for probs, gold_by, item in zip(oof_probs, golds, drafts, strict=True):
        if not item.labels[criterion]:
            continue
        found = evidence_rows(probs, criterion)
        rows.append(found)
        quoted += [int(i in gold_by[criterion]) for i in range(len(found))]
    if not quoted:  # no draft scored 1 or 2 here (tiny data): nothing is evidence, the best
        columns = len(EVIDENCE_COLUMNS)  # sentence is still shown as the fallback
        return Linear(
            np.zeros(columns), np.ones(columns), np.zeros((1, columns)), np.zeros(1), (0,)
        )
    return fit_linear(np.vstack(rows), quoted, EVIDENCE_C)


def _best_threshold(scores, golds, drafts: list[LabelledDraft], criterion: str) -> float:
    """The evidence threshold with the best sentence F1 on out-of-fold ranker scores."""
    from coach.scoring.model import choose_evidence

    best, best_f1 = 0.5, -1.0
    for threshold in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        tp = fp = fn = 0
        for score, gold_by, item in zip(scores, golds, drafts, strict=True):
            level = item.labels[criterion]
            if level == 0:
                continue
            gold = gold_by[criterion]
            if not gold:
                continue
            chosen = set(choose_evidence(score[criterion], threshold, level))
            tp, fp, fn = tp + len(chosen & gold), fp + len(chosen - gold), fn + len(gold - chosen)
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        if f1 > best_f1:
            best, best_f1 = threshold, f1
    return best


def fit(
    drafts: list[LabelledDraft],
    features: dict[str, list[DraftFeatures | None]],
    encoders: dict[str, str],
    config: TrainConfig = TrainConfig(),
) -> ScorerWeights:
    kinds = {}
    for kind, rows in features.items():
        chosen = [i for i, f in enumerate(rows) if f is not None]
        kinds[kind] = fit_kind([rows[i] for i in chosen], [drafts[i] for i in chosen], config)
    return ScorerWeights(encoders=encoders, training_data=corpus_hash(drafts), kinds=kinds)


# --- cross-validation by writer -------------------------------------------------------------


def cross_validate(
    drafts: list[LabelledDraft],
    features: dict[str, list[DraftFeatures | None]],
    config: TrainConfig = TrainConfig(),
    progress: Progress | None = None,
    rubric: Rubric | None = None,
) -> list[Prediction]:
    """Each writer's drafts predicted by models fitted on the other writers only (with the
    rubric's kept caps applied, as the shipped scorer does, when a rubric is given)."""
    return [p for p, _ in out_of_fold(drafts, features, config, progress, rubric)]


def out_of_fold(
    drafts: list[LabelledDraft],
    features: dict[str, list[DraftFeatures | None]],
    config: TrainConfig = TrainConfig(),
    progress: Progress | None = None,
    rubric: Rubric | None = None,
) -> list[tuple[Prediction, dict[str, str]]]:
    """Out-of-fold predictions by writer, each with the caps that lowered it (why, by criterion)."""
    from coach.scoring.learned import apply_caps

    predictions: list[tuple[Prediction, dict[str, str]] | None] = [None] * len(drafts)
    folds = groups_folds([d.writer for d in drafts], OUTER_FOLDS)
    for number, (train, test) in enumerate(folds, 1):
        if progress:
            writers = sorted({drafts[i].writer for i in test})
            progress(f"fold {number}/{len(folds)}: {len(test)} drafts by {', '.join(writers)}")
        models = {}
        for kind, rows in features.items():
            chosen = [i for i in train if rows[i] is not None]
            models[kind] = fit_kind([rows[i] for i in chosen], [drafts[i] for i in chosen], config)
        for i in test:
            kind = "en" if features.get("en") and features["en"][i] is not None else "multi"
            prediction, capped = models[kind].predict(features[kind][i]), {}
            if rubric is not None:
                doc = features[kind][i].doc
                prediction, capped = apply_caps(prediction, rubric, doc, CAPS)
                if "template" in CAPS and doc.get("template"):  # as the shipped scorer does
                    prediction = replace(prediction, story_type="non-narrative")
            predictions[i] = (prediction, capped)
    return [p for p in predictions if p is not None]


def agreement(
    drafts: list[LabelledDraft], predictions: list[Prediction], rubric: Rubric | None = None
) -> dict:
    """Per criterion exact / within-one / QWK, overall Spearman, components, evidence F1.

    With the rubric, overall is the Report's 0-100 (``narrative_overall``); without, the
    overall model's expected rating.
    """
    from coach.scoring.learned import narrative_overall

    overall = [
        narrative_overall(p, rubric) if rubric is not None else p.overall for p in predictions
    ]
    result: dict = {"n": len(drafts), "criteria": {}}
    for criterion in FIXED_CRITERIA:
        human = [d.labels[criterion] for d in drafts]
        machine = [p.levels[criterion] for p in predictions]
        result["criteria"][criterion] = _ordinal(human, machine)
    qwks = [v["qwk"] for v in result["criteria"].values()]
    result["mean_qwk"] = round(float(np.mean(qwks)), 3)
    result["min_qwk"] = round(float(np.min(qwks)), 3)
    result["mean_within_one"] = round(
        float(np.mean([v["within_one"] for v in result["criteria"].values()])), 3
    )
    result["overall_spearman"] = round(spearman(overall, [d.overall for d in drafts]), 3)
    narrative = [i for i, d in enumerate(drafts) if d.is_narrative]
    if len(narrative) > 1:
        result["overall_spearman_narratives"] = round(
            spearman(
                [predictions[i].overall for i in narrative], [drafts[i].overall for i in narrative]
            ),
            3,
        )
    result["components_accuracy"] = {
        k: round(
            float(
                np.mean(
                    [
                        p.components[k] == d.components[k]
                        for d, p in zip(drafts, predictions, strict=True)
                    ]
                )
            ),
            3,
        )
        for k in COMPONENTS
    }
    result["story_type_accuracy"] = round(
        float(
            np.mean(
                [p.story_type == d.story_type for d, p in zip(drafts, predictions, strict=True)]
            )
        ),
        3,
    )
    result["evidence"] = evidence_agreement(drafts, predictions)
    other = [i for i, d in enumerate(drafts) if d.language != "en"]
    if other:
        result["other_languages"] = {
            "n": len(other),
            "within_one": round(
                float(
                    np.mean(
                        [
                            abs(drafts[i].labels[c] - predictions[i].levels[c]) <= 1
                            for i in other
                            for c in FIXED_CRITERIA
                        ]
                    )
                ),
                3,
            ),
            "exact": round(
                float(
                    np.mean(
                        [
                            drafts[i].labels[c] == predictions[i].levels[c]
                            for i in other
                            for c in FIXED_CRITERIA
                        ]
                    )
                ),
                3,
            ),
        }
    return result


def _ordinal(human: list[int], machine: list[int]) -> dict:
    pairs = list(zip(human, machine, strict=True))
    return {
        "exact": round(float(np.mean([h == m for h, m in pairs])), 3),
        "within_one": round(float(np.mean([abs(h - m) <= 1 for h, m in pairs])), 3),
        "qwk": round(quadratic_weighted_kappa(human, machine), 3),
    }


def evidence_agreement(drafts: list[LabelledDraft], predictions: list[Prediction]) -> dict:
    """Sentence-level precision/recall of evidence where humans scored the criterion 1 or 2."""
    tp = fp = fn = 0
    for item, prediction in zip(drafts, predictions, strict=True):
        sentences = [s.text for s in make_draft(item.text).sentences]
        for criterion in FIXED_CRITERIA:
            if item.labels[criterion] == 0:
                continue
            gold = evidence_indices(sentences, item.evidence.get(criterion, ()))
            if not gold:
                continue
            chosen = set(prediction.evidence[criterion])
            tp, fp, fn = tp + len(chosen & gold), fp + len(chosen - gold), fn + len(gold - chosen)
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def labeller_agreement(first: list[dict], second: list[dict]) -> dict:
    """Inter-labeller agreement per criterion: the ceiling for any scorer."""
    by_id = {r["id"]: r for r in second}
    pairs = [(a, by_id[a["id"]]) for a in first if a["id"] in by_id]
    result: dict = {"n": len(pairs), "criteria": {}}
    for criterion in FIXED_CRITERIA:
        result["criteria"][criterion] = _ordinal(
            [a["labels"][criterion] for a, _ in pairs], [b["labels"][criterion] for _, b in pairs]
        )
    result["mean_qwk"] = round(float(np.mean([v["qwk"] for v in result["criteria"].values()])), 3)
    result["overall_spearman"] = round(
        spearman([a["overall"] for a, _ in pairs], [b["overall"] for _, b in pairs]), 3
    )
    result["components_agreement"] = {
        k: round(float(np.mean([bool(a[k]) == bool(b[k]) for a, b in pairs])), 3)
        for k in COMPONENTS
    }
    return result


def out_of_fold_reports(
    drafts: list[LabelledDraft],
    features: dict[str, list[DraftFeatures | None]],
    rubric: Rubric,
    config: TrainConfig = TrainConfig(),
    progress: Progress | None = None,
) -> list[Report]:
    """The Report each draft would get from a scorer that never saw its writer: what the
    coaching planner learns from, so it learns to work with the scorer's real mistakes."""
    from coach.scoring.learned import report_from_prediction

    reports = []
    predicted = out_of_fold(drafts, features, config, progress, rubric)
    for i, (item, (prediction, capped)) in enumerate(zip(drafts, predicted, strict=True)):
        kind = "en" if features.get("en") and features["en"][i] is not None else "multi"
        rules = features[kind][i].rule_report
        draft = make_draft(item.text)
        reports.append(
            report_from_prediction(rubric, draft, None, rules, prediction, capped, "out-of-fold")
        )
    return reports
