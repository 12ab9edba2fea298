"""Search the scorer's stage-2 regularisation on cached stage-1 outputs (prints numbers).

    python scripts/regularisation_search.py --sentence-c 0.02    # session 13's search
    python scripts/regularisation_search.py --sentence-c 0.05 --settings 0.02:0.02 0.01:0.005

A full ``coach train-scorer --cross-validate`` refits stage 1 (the sentence models) for every
outer fold; stage 1 does not depend on the draft-level C, so this script fits it once per
outer fold (English drafts only, the same writer folds), keeps its out-of-fold outputs in the
cache folder, and then refits only stage 2, its cut-points and the evidence ranker for each
setting ``DRAFT_C:CRITERION_C``. It prints mean QWK over all English drafts, the writers'
texts and the speech excerpts, as in docs/scoring.md (session 13). The shipped settings are
then checked with the full cross-validation; this is a search, not the reported figure.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.scoring import training as T  # noqa: E402
from coach.scoring.dataset import corpus_hash, load_corpus  # noqa: E402
from coach.scoring.engine import Scorer  # noqa: E402
from coach.scoring.learned import apply_caps  # noqa: E402
from coach.scoring.model import (  # noqa: E402
    CAPS,
    KindModel,
    evidence_rows,
    pooled_evidence,
    sentence_levels,
)
from coach.scoring.rubric import FIXED_CRITERIA, load_rubric  # noqa: E402
from coach.settings import Settings  # noqa: E402
from coach.text.embeddings import Embedder  # noqa: E402


def stage_one(drafts, features, train, test, config):
    """Stage 1's out-of-fold outputs for the training drafts, and its outputs for the test
    drafts from a model fitted on all training drafts (what ``fit_kind`` computes)."""
    feats, items = [features[i] for i in train], [drafts[i] for i in train]
    golds = [T.gold_evidence(f, d) for f, d in zip(feats, items, strict=True)]
    rows, owner, targets = T._sentence_targets(feats, golds, [d.labels for d in items])
    weight = config.draft_weights(items)
    oof = [None] * len(train)
    for inner_train, inner_test in T.groups_folds([d.writer for d in items], T.INNER_FOLDS):
        mask = np.isin(owner, inner_train)
        models = T._fit_sentence_models(
            rows[mask],
            {c: t[mask] for c, t in targets.items()},
            config.sentence_c,
            weight[owner][mask],
        )
        for i in inner_test:
            oof[i] = {c: sentence_levels(models[c], feats[i].sentence_rows) for c in FIXED_CRITERIA}
    full = T._fit_sentence_models(rows, targets, config.sentence_c, weight[owner])
    for i, found in enumerate(oof):  # one training writer (tiny corpora): in-sample, as fit_kind
        if found is None:
            oof[i] = {c: sentence_levels(full[c], feats[i].sentence_rows) for c in FIXED_CRITERIA}
    tested = {
        i: {c: sentence_levels(full[c], features[i].sentence_rows) for c in FIXED_CRITERIA}
        for i in test
    }
    return oof, tested


#: Stage-1 outputs of the drafts being predicted, by ``id`` of their features.
CACHED: dict[int, dict] = {}


class CachedStageOne(KindModel):
    """A KindModel whose stage-1 outputs are looked up in ``CACHED``, not recomputed."""

    def sentence_probabilities(self, features):
        return CACHED[id(features)]


def stage_two(feats, items, oof, config) -> KindModel:
    """Everything ``fit_kind`` fits after stage 1, on the given stage-1 outputs."""
    golds = [T.gold_evidence(f, d) for f, d in zip(feats, items, strict=True)]
    weight = config.draft_weights(items)
    rows = np.hstack(
        [np.stack([f.draft_row for f in feats]), np.stack([pooled_evidence(p) for p in oof])]
    )
    draft = {
        t: T.fit_linear(rows, T._target_values(items, t), config.c_for(t), sample_weight=weight)
        for t in T.TARGETS
    }
    rankers = {c: T._fit_evidence_ranker(oof, golds, items, c) for c in FIXED_CRITERIA}
    scores = [{c: rankers[c].positive(evidence_rows(p, c)) for c in FIXED_CRITERIA} for p in oof]
    thresholds = {c: T._best_threshold(scores, golds, items, c) for c in FIXED_CRITERIA}
    cutpoints, components = T._fit_decisions(rows, items, [d.writer for d in items], config, weight)
    return CachedStageOne(
        feats[0].sentence_columns,
        feats[0].draft_columns,
        {},
        draft,
        rankers,
        thresholds,
        "cutpoints",
        cutpoints,
        components,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "datasets" / "drafts")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Settings().data_dir / "cache",
        help="sentence vectors (shared with coach train-scorer) and stage-1 outputs",
    )
    parser.add_argument("--sentence-c", type=float, default=T.TrainConfig().sentence_c)
    parser.add_argument(
        "--settings",
        nargs="+",
        default=["0.02:0.02", "0.01:0.01", "0.01:0.005", "0.01:0.0025"],
        help="DRAFT_C:CRITERION_C pairs to try",
    )
    args = parser.parse_args()
    drafts = load_corpus(args.corpus)
    rubric = load_rubric(None)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    english = Embedder()
    rules = Scorer(rubric, embedder=english)
    features = T.corpus_features(
        drafts, rules, {"en": english}, cache_dir=args.cache_dir, progress=print
    )["en"]
    base = T.TrainConfig(sentence_c=args.sentence_c)
    folds = []
    for number, (train, test) in enumerate(
        T.groups_folds([d.writer for d in drafts], T.OUTER_FOLDS)
    ):
        train = [i for i in train if features[i] is not None]
        test = [i for i in test if features[i] is not None]
        key = f"{corpus_hash(drafts)[:12]}-{args.sentence_c}-{number}"
        path = args.cache_dir / f"stage-one-{key}.pkl"
        if not path.exists():
            started = time.monotonic()
            path.write_bytes(pickle.dumps(stage_one(drafts, features, train, test, base)))
            print(f"stage 1, fold {number + 1}: {time.monotonic() - started:.0f} s", flush=True)
        folds.append((train, test, *pickle.loads(path.read_bytes())))
    for setting in args.settings:
        draft_c, criterion_c = (float(x) for x in setting.split(":"))
        config = replace(base, draft_c=draft_c, criterion_c=criterion_c)
        predicted = {}
        for train, test, oof, tested in folds:
            model = stage_two([features[i] for i in train], [drafts[i] for i in train], oof, config)
            CACHED.update({id(features[i]): tested[i] for i in test})
            for i in test:
                prediction, _ = apply_caps(
                    model.predict(features[i]), rubric, features[i].doc, CAPS
                )
                predicted[i] = prediction
        found = sorted(predicted)
        line = [f"draft C {draft_c}, criteria C {criterion_c}, stage 1 C {args.sentence_c}:"]
        for name, keep in (("all", None), ("writers", False), ("speeches", True)):
            chosen = [i for i in found if keep is None or drafts[i].is_speech_excerpt == keep]
            if chosen:
                result = T.agreement([drafts[i] for i in chosen], [predicted[i] for i in chosen])
                line.append(f"{name} {len(chosen)} mean QWK {result['mean_qwk']:.3f}")
        print("  ".join(line), flush=True)


if __name__ == "__main__":
    main()
