"""``coach train-scorer``: refit the learned scorer, or cross-validate it by writer.

Thin: load the corpus, compute features (vectors cached in the data directory), fit or
cross-validate with :mod:`coach.scoring.training`, print or write the result.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.cli.scoring import evidence_line
from coach.errors import InputError
from coach.settings import PROJECT_ROOT, Settings

DEFAULT_CORPUS = PROJECT_ROOT / "datasets" / "drafts"


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train-scorer",
        help="refit the learned scorer on the labelled draft corpus",
        description=(
            "Fit the learned scorer on a labelled draft corpus (texts/, briefs/, labels/; see "
            "datasets/drafts/DATASHEET.md) and write its weights. With --cross-validate, deal "
            "the writers into eleven folds (a writer is never split), score each fold with a "
            "model fitted on the others, and print the agreement with the labels instead "
            "(nothing is written)."
        ),
    )
    add_training_options(train, "sentence vectors")
    train.set_defaults(func=run_train)


def add_training_options(parser: argparse.ArgumentParser, cached: str | None = None) -> None:
    """--corpus, --out, --cross-validate, --format and (when something is cached between runs,
    named by ``cached``) --cache-dir, shared by the trainers."""
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"corpus folder (default {DEFAULT_CORPUS})",
    )
    parser.add_argument("--out", type=Path, help="weights file to write (default: the shipped one)")
    parser.add_argument(
        "--cross-validate", action="store_true", help="report agreement, folds by writer"
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    if cached is None:
        return
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help=f"where {cached} are kept between runs (default DATA_DIR/cache)",
    )


def say(message: str) -> None:
    print(f"coach: {message}", file=sys.stderr, flush=True)


def write_weights(out: Path, weights: dict) -> None:
    try:
        out.write_text(json.dumps(weights) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror})") from exc


def run_train(args: argparse.Namespace) -> int:
    from coach.scoring.dataset import load_corpus
    from coach.scoring.engine import Scorer
    from coach.scoring.model import WEIGHTS_FILE
    from coach.scoring.rubric import load_rubric
    from coach.scoring.training import agreement, corpus_features, cross_validate, fit
    from coach.text.embeddings import Embedder, MultilingualEmbedder

    settings = Settings()
    drafts = load_corpus(args.corpus)
    if len({d.writer for d in drafts}) < 2 and args.cross_validate:
        raise InputError(f"{args.corpus}: cross-validation by writer needs two or more writers")
    if not drafts:
        raise InputError(f"{args.corpus}: no text has two labels yet")
    english, multilingual = Embedder(), MultilingualEmbedder(threads=2)
    rules = Scorer(load_rubric(None), embedder=english)
    cache = args.cache_dir or settings.data_dir / "cache"
    say(f"{len(drafts)} labelled drafts by {len({d.writer for d in drafts})} writers")
    features = corpus_features(
        drafts, rules, {"en": english, "multi": multilingual}, cache_dir=cache, progress=say
    )
    if args.cross_validate:
        predictions = cross_validate(drafts, features, progress=say, rubric=rules.rubric)
        result = agreement(drafts, predictions, rules.rubric)
        if args.format == "json":
            print(json.dumps(result, indent=2))
        else:
            print_agreement(result)
        return 0
    weights = fit(drafts, features, {"en": english.model_id, "multi": multilingual.model_id})
    out = args.out or WEIGHTS_FILE
    write_weights(out, weights.to_dict())
    say(f"wrote {out} (training data {weights.training_data[:12]})")
    return 0


def print_agreement(result: dict) -> None:
    print(f"{result['n']} drafts, each scored by a model that never saw its writer\n")
    print(f"{'criterion':<22}{'exact':>8}{'within-1':>10}{'QWK':>8}")
    for criterion, m in result["criteria"].items():
        print(f"{criterion:<22}{m['exact']:>8.2f}{m['within_one']:>10.2f}{m['qwk']:>8.2f}")
    print(
        f"\nmean QWK                    {result['mean_qwk']:.3f} (lowest {result['min_qwk']:.3f})"
    )
    print(f"mean within-one             {result['mean_within_one']:.3f}")
    print(f"Spearman of overall         {result['overall_spearman']:.3f}")
    if "overall_spearman_narratives" in result:
        print(f"  among narratives          {result['overall_spearman_narratives']:.3f}")
    comp = result["components_accuracy"]
    print("self/us/now accuracy        " + ", ".join(f"{k} {v:.2f}" for k, v in comp.items()))
    print(f"story type accuracy         {result['story_type_accuracy']:.3f}")
    print(evidence_line(result["evidence"]))
    if "other_languages" in result:
        other = result["other_languages"]
        label = f"Spanish/French ({other['n']})"
        print(f"{label:<28}within-one {other['within_one']:.3f}, exact {other['exact']:.3f}")
