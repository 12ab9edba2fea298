"""``coach train-planner``: refit the coaching planner, or cross-validate it by writer.

Thin: load the corpus and its trainers' plans, get each draft's out-of-fold Report (computed
once by cross-validating the scorer, then kept in the cache folder), fit or cross-validate
with :mod:`coach.coaching.plan_training`, print or write the result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from coach.cli.training import add_training_options, say, write_weights
from coach.errors import InputError
from coach.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train-planner",
        help="refit the coaching planner on trainers' plans for the draft corpus",
        description=(
            "Fit the coaching planner (which fixes a trainer would name first, and when a "
            "draft is ready) on the trainers' plans in CORPUS/plans/, each read against the "
            "report a scorer that never saw the draft's writer gives it. The first run "
            "cross-validates the scorer to make those reports (about 35 minutes on 2 cores, "
            "and about 17 more if the corpus was never embedded) and keeps them in the cache "
            "folder. With --cross-validate, print how often the planner "
            "agrees with the trainers on writers it never saw (nothing is written)."
        ),
    )
    add_training_options(train, "sentence vectors and out-of-fold reports")
    train.set_defaults(func=run_train_planner)


def run_train_planner(args: argparse.Namespace) -> int:
    from coach.coaching.plan_training import (
        cross_validate_planner,
        fit_planner,
        load_trainer_plans,
        plan_agreement,
        plan_examples,
        plans_hash,
        trainer_agreement,
    )
    from coach.coaching.planner import PLANNER_FILE
    from coach.scoring.dataset import load_corpus
    from coach.scoring.rubric import load_rubric

    drafts = load_corpus(args.corpus)
    plans = load_trainer_plans(args.corpus)
    if not plans:
        raise InputError(f"{args.corpus}: no trainers' plans (plans/*.jsonl)")
    cache = args.cache_dir or Settings().data_dir / "cache"
    reports = cached_reports(drafts, cache)
    rubric = load_rubric(None)
    examples = plan_examples(plans, reports, {d.id: d for d in drafts}, rubric)
    say(f"{len(examples)} plans for {len({e.draft_id for e in examples})} drafts")
    if args.cross_validate:
        result = {
            "planner": plan_agreement(examples, cross_validate_planner(examples)),
            "trainers": trainer_agreement(plans),
        }
        if args.format == "json":
            print(json.dumps(result, indent=2))
        else:
            print_planner_agreement(result)
        return 0
    model = fit_planner(examples, training_data=plans_hash(plans))
    out = args.out or PLANNER_FILE
    write_weights(out, model.to_dict())
    say(
        f"wrote {out} (ready at {model.ready_threshold}, a further fix at "
        f"{model.planned_threshold})"
    )
    return 0


def cached_reports(drafts, cache: Path) -> dict:
    """Each draft's Report from a scorer that never saw its writer, cached by corpus and
    scorer weights (cross-validating the scorer takes minutes)."""
    from coach.report import Report
    from coach.scoring.dataset import corpus_hash
    from coach.scoring.engine import Scorer
    from coach.scoring.model import WEIGHTS_FILE
    from coach.scoring.rubric import load_rubric
    from coach.scoring.training import corpus_features, out_of_fold_reports
    from coach.text.embeddings import Embedder, MultilingualEmbedder

    key = hashlib.sha256(
        (corpus_hash(drafts) + hashlib.sha256(WEIGHTS_FILE.read_bytes()).hexdigest()).encode()
    ).hexdigest()[:16]
    path = cache / f"out-of-fold-reports-{key}.jsonl"
    if path.is_file():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return {row["id"]: Report.from_dict(row["report"]) for row in rows}
    say(f"cross-validating the scorer by writer for out-of-fold reports ({len(drafts)} drafts)")
    english, multilingual = Embedder(), MultilingualEmbedder(threads=2)
    rules = Scorer(load_rubric(None), embedder=english)
    features = corpus_features(
        drafts, rules, {"en": english, "multi": multilingual}, cache_dir=cache, progress=say
    )
    reports = out_of_fold_reports(drafts, features, rules.rubric, progress=say)
    cache.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"id": d.id, "report": r.to_dict()})
        for d, r in zip(drafts, reports, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {d.id: r for d, r in zip(drafts, reports, strict=True)}


def print_planner_agreement(result: dict) -> None:
    planner, trainers = result["planner"], result["trainers"]
    print(f"{planner['n']} trainers' plans, each planned by a model that never saw the writer\n")
    print(f"first fix = the trainer's          {planner['first_fix_exact']:.3f}")
    print(f"  (first fixes the planner can name {planner['first_fix_proposable']:.3f})")
    print(f"steps aimed at a criterion labelled 2  {planner['steps_aimed_at_strong']:.3f}")
    print(
        f"ready drafts recognised            {planner['ready_recognised']}"
        f" ({planner['said_ready']} called ready)"
    )
    print_close_calls(planner)
    print(
        f"\ntwo trainers on the same draft ({trainers['pairs']} drafts): same first fix "
        f"{trainers['first_fix_same']:.3f}, same ready {trainers['ready_same']:.3f}"
    )


def print_close_calls(result: dict) -> None:
    """How far the plan's "close call" can be trusted: the first fix where it says none, and
    the first fix or its runner-up where it says one."""
    print(
        f"close calls                        {result['close_calls']} of {result['n']}: first fix "
        f"right in {result['first_fix_when_close']:.0%}, the runner-up in "
        f"{result['runner_up_when_close']:.0%} (elsewhere {result['first_fix_when_clear']:.0%})"
    )
