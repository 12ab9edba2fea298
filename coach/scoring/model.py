"""The learned scorer's weights and how they turn features into predictions (numpy only).

Two stages, both linear and fitted by ``coach train-scorer`` (``coach.scoring.training``):

1. per criterion, a sentence model: how likely is this sentence evidence for the criterion?
2. per target (each criterion's level, self/us/now, overall 1-5, story type), a draft model
   over the pooled draft features plus stage 1's strongest sentence probabilities.

Which sentences are shown as evidence is decided by an evidence ranker per criterion: it
reads stage 1's probabilities for the sentence beside the draft's others (its rank, how far
behind the best, its neighbours, the other criteria's claims on it), because a labeller picks
the sentences that carry a criterion *in this draft*, not those above a fixed bar.

The weights file records the encoder, the feature columns and the training data's hash, and
loading refuses a file whose columns do not match what the code computes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.errors import RubricError
from coach.scoring.features import DraftFeatures
from coach.scoring.rubric import FIXED_CRITERIA

SCHEMA = "narrative-coach/scorer-weights/v3"
# The rubric's caps kept on top of the model: only those that measurably helped in
# cross-validation (docs/scoring.md); the others cost agreement and are left to the model.
CAPS = ("template",)
WEIGHTS_FILE = Path(__file__).parent.parent / "data" / "scorer.json"
TOP_K = 3
COMPONENTS = ("self", "us", "now")
# The guide's story of now: challenge, urgency and an ask, each at least 1, "told through a
# narrative or a lived situation rather than only data, logistics or slogans" — some concrete
# detail (specificity at least 1) stands for the lived situation (docs/scoring.md, session 12).
NOW_NEEDS = ("challenge", "urgency", "call_to_action", "specificity")


@dataclass(frozen=True)
class Linear:
    """Standardise, then a linear map; softmax over classes (or a sigmoid for two)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes or 1, features)
    intercept: np.ndarray
    classes: tuple

    def proba(self, rows: np.ndarray) -> np.ndarray:
        if len(self.classes) == 1:
            return np.ones((len(rows), 1))
        z = ((rows - self.mean) / self.scale) @ self.coef.T + self.intercept
        if self.coef.shape[0] == 1:
            p = 0.5 * (1.0 + np.tanh(0.5 * z[:, 0]))  # the logistic, without exp overflow
            return np.stack([1 - p, p], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def positive(self, rows: np.ndarray) -> np.ndarray:
        """Probability of the true / 1 class of a two-class model."""
        if len(self.classes) == 1:
            return np.full(len(rows), 1.0 if self.classes[0] else 0.0)
        return self.proba(rows)[:, list(self.classes).index(True if True in self.classes else 1)]

    def to_dict(self) -> dict:
        return {
            "mean": _round(self.mean),
            "scale": _round(self.scale),
            "coef": [_round(row) for row in self.coef],
            "intercept": _round(self.intercept),
            "classes": list(self.classes),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Linear:
        return cls(
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=np.asarray(data["intercept"], dtype=np.float64),
            classes=tuple(data["classes"]),
        )


def _round(values) -> list[float]:
    return [float(f"{v:.6g}") for v in np.asarray(values, dtype=np.float64).ravel()]


def sentence_levels(model: Linear, rows: np.ndarray) -> np.ndarray:
    """Per sentence: P(not evidence), P(evidence of a level-1 draft), P(evidence of a level 2)."""
    proba = model.proba(rows)
    full = np.zeros((len(rows), 3))
    full[:, [int(c) for c in model.classes]] = proba
    return full


def evidence_probability(levels: np.ndarray) -> np.ndarray:
    return 1.0 - levels[:, 0]


def pooled_evidence(sentence_probs: dict[str, np.ndarray]) -> np.ndarray:
    """Per criterion, over sentences: how strong the best evidence is, and how good (level 2)."""
    values = []
    for criterion in FIXED_CRITERIA:
        levels = sentence_probs[criterion]
        if len(levels) == 0:
            values += [0.0] * len(POOLED_KINDS)
            continue
        any_evidence = np.sort(evidence_probability(levels))[::-1]
        strong = np.sort(levels[:, 2])[::-1]
        values += [
            float(any_evidence[0]),
            float(any_evidence[:TOP_K].mean()),
            float(any_evidence.mean()),
            float(strong[0]),
            float(strong[:TOP_K].mean()),
        ]
    return np.asarray(values, dtype=np.float64)


def evidence_rows(sentence_probs: dict[str, np.ndarray], criterion: str) -> np.ndarray:
    """The evidence ranker's columns (``EVIDENCE_COLUMNS``) for every sentence of a draft."""
    claims = np.stack([evidence_probability(sentence_probs[c]) for c in FIXED_CRITERIA], axis=1)
    own_index = FIXED_CRITERIA.index(criterion)
    own = claims[:, own_index]
    n = len(own)
    if n == 0:
        return np.zeros((0, len(EVIDENCE_COLUMNS)))
    best = float(own.max())
    # Competition rank: sentences with equal probability share a rank (neither is "best" for
    # coming first).
    rank = np.searchsorted(np.sort(-own), -own, side="left").astype(float)
    others = np.delete(claims, own_index, axis=1)
    return np.column_stack(
        [
            own,
            sentence_probs[criterion][:, 2],
            own / (best + 1e-9),
            own - best,
            rank,
            rank == 0,
            np.full(n, np.log(n)),
            np.arange(n) / max(n - 1, 1),
            np.r_[0.0, own[:-1]],
            np.r_[own[1:], 0.0],
            others,
            others.max(axis=1),
            claims.sum(axis=1),
        ]
    ).astype(np.float64)


EVIDENCE_COLUMNS = (
    "own",
    "own_strong",
    "share_of_best",
    "behind_best",
    "rank",
    "is_best",
    "log_sentences",
    "position",
    "previous",
    "next",
    *(f"other_{i}" for i in range(len(FIXED_CRITERIA) - 1)),  # the other criteria, in order
    "others_max",
    "all_claims",
)
POOLED_KINDS = ("max", "top3", "mean", "strong_max", "strong_top3")
POOLED_COLUMNS = tuple(f"evidence_{c}_{kind}" for c in FIXED_CRITERIA for kind in POOLED_KINDS)


@dataclass(frozen=True)
class Prediction:
    """What the model says about one draft; the Report is built from this."""

    levels: dict[str, int]
    probabilities: dict[str, tuple[float, ...]]
    evidence: dict[str, tuple[int, ...]]  # sentence indices, strongest first
    components: dict[str, bool]
    overall: float  # expected overall on the 1-5 scale
    story_type: str
    component_probabilities: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class KindModel:
    """The weights for one encoder kind (``en`` or ``multi``)."""

    sentence_columns: tuple[str, ...]
    draft_columns: tuple[str, ...]
    sentence: dict[str, Linear]
    draft: dict[str, Linear]
    evidence: dict[str, Linear]  # the evidence ranker, per criterion
    evidence_threshold: dict[str, float]
    decision: str  # "cutpoints", "expected" (round the expected level) or "argmax"
    # Where the expected level (0-2) turns into a 1 and into a 2, per criterion, and the
    # probability above which self/us/now count as present: both fitted on out-of-fold
    # predictions (by writer) for agreement with the labels, not left at 0.5 / 1.5 / 0.5.
    cutpoints: dict[str, tuple[float, float]] = field(default_factory=dict)
    component_threshold: dict[str, float] = field(default_factory=dict)

    def sentence_probabilities(self, features: DraftFeatures) -> dict[str, np.ndarray]:
        return {
            c: sentence_levels(self.sentence[c], features.sentence_rows) for c in FIXED_CRITERIA
        }

    def predict(self, features: DraftFeatures) -> Prediction:
        if features.sentence_columns != self.sentence_columns or (
            features.draft_columns != self.draft_columns
        ):
            raise RubricError("scorer weights do not match this version's features; retrain")
        sentence_probs = self.sentence_probabilities(features)
        row = np.concatenate([features.draft_row, pooled_evidence(sentence_probs)])[None, :]
        levels, probabilities, evidence = {}, {}, {}
        for criterion in FIXED_CRITERIA:
            proba = self.draft[criterion].proba(row)[0]
            full = np.zeros(3)
            full[list(self.draft[criterion].classes)] = proba
            level = self.level(criterion, full)
            levels[criterion] = level
            probabilities[criterion] = tuple(round(float(p), 4) for p in full)
            evidence[criterion] = choose_evidence(
                self.evidence_scores(sentence_probs, criterion),
                self.evidence_threshold[criterion],
                level,
            )
        present = {key: float(self.draft[key].positive(row)[0]) for key in COMPONENTS}
        components = {
            key: present[key] >= self.component_threshold.get(key, 0.5) for key in COMPONENTS
        }
        # The labelling guide's definition of a story of now (NOW_NEEDS); the model's "now"
        # stands only where its own levels agree.
        components["now"] = components["now"] and all(levels[c] >= 1 for c in NOW_NEEDS)
        overall_model = self.draft["overall"]
        overall = float(
            overall_model.proba(row)[0] @ np.asarray(overall_model.classes, dtype=float)
        )
        story = self.draft["story_type"]
        story_type = str(story.classes[int(np.argmax(story.proba(row)[0]))])
        return Prediction(levels, probabilities, evidence, components, overall, story_type, present)

    def evidence_scores(self, sentence_probs: dict[str, np.ndarray], criterion: str) -> np.ndarray:
        """Per sentence, how likely a labeller would quote it for ``criterion``."""
        rows = evidence_rows(sentence_probs, criterion)
        return self.evidence[criterion].positive(rows) if len(rows) else np.zeros(0)

    def level(self, criterion: str, probabilities: np.ndarray) -> int:
        if self.decision == "argmax":
            return int(np.argmax(probabilities))
        low, high = self.cutpoints.get(criterion, (0.5, 1.5))
        if self.decision == "expected":
            low, high = 0.5, 1.5
        expected = float(probabilities @ np.arange(3))
        return int(expected >= low) + int(expected >= high)


def choose_evidence(probs: np.ndarray, threshold: float, level: int) -> tuple[int, ...]:
    """Up to three sentences that carry the prediction: above the threshold, else the best one."""
    if level == 0 or probs.size == 0:
        return ()
    order = [int(i) for i in np.argsort(-probs, kind="stable")[:TOP_K]]
    chosen = [i for i in order if probs[i] >= threshold]
    return tuple(chosen or order[:1])


@dataclass(frozen=True)
class ScorerWeights:
    encoders: dict[str, str]
    training_data: str
    kinds: dict[str, KindModel]
    caps: tuple[str, ...] = CAPS
    path: Path | None = None

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> ScorerWeights:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RubricError(f"{path}: cannot read scorer weights ({exc})") from exc
        if data.get("schema") != SCHEMA:
            raise RubricError(f"{path}: not a {SCHEMA} file")
        kinds = {
            kind: KindModel(
                sentence_columns=tuple(body["sentence_columns"]),
                draft_columns=tuple(body["draft_columns"]),
                sentence={c: Linear.from_dict(v) for c, v in body["sentence"].items()},
                draft={t: Linear.from_dict(v) for t, v in body["draft"].items()},
                evidence=_evidence_rankers(body, path),
                evidence_threshold=dict(body["evidence_threshold"]),
                decision=body["decision"],
                cutpoints={c: tuple(v) for c, v in body["cutpoints"].items()},
                component_threshold=dict(body["component_threshold"]),
            )
            for kind, body in data["kinds"].items()
        }
        return cls(data["encoders"], data["training_data"], kinds, tuple(data["caps"]), path)

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "encoders": self.encoders,
            "training_data": self.training_data,
            "caps": list(self.caps),
            "kinds": {
                kind: {
                    "decision": model.decision,
                    "cutpoints": {c: list(v) for c, v in model.cutpoints.items()},
                    "component_threshold": model.component_threshold,
                    "evidence_threshold": model.evidence_threshold,
                    "sentence_columns": list(model.sentence_columns),
                    "draft_columns": list(model.draft_columns),
                    "sentence": {c: v.to_dict() for c, v in model.sentence.items()},
                    "draft": {t: v.to_dict() for t, v in model.draft.items()},
                    "evidence_columns": list(EVIDENCE_COLUMNS),
                    "evidence": {c: v.to_dict() for c, v in model.evidence.items()},
                }
                for kind, model in self.kinds.items()
            },
        }


def _evidence_rankers(body: dict, path: Path) -> dict[str, Linear]:
    if body.get("evidence_columns") != list(EVIDENCE_COLUMNS):
        raise RubricError(f"{path}: evidence ranker columns do not match this version; retrain")
    return {c: Linear.from_dict(v) for c, v in body["evidence"].items()}
