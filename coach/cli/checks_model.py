"""``coach train-checks``: refit the learned emotion check, or measure it.

Thin: join the check labels (CORPUS/checks/) with each text's out-of-fold Report (shared with
``coach train-planner``) and its sentence vectors, then fit or cross-validate with
:mod:`coach.scoring.checks`, print or write the result.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from coach.cli.training import add_training_options, say, write_weights
from coach.errors import InputError
from coach.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train-checks",
        help="refit the learned emotion check on its labelled texts",
        description=(
            "Fit the model that reads the rubric's emotion criterion (its level, and which "
            "sentences carry it) on CORPUS/checks/ — texts of the corpus labelled for emotion "
            "and the link from self to us by two helper labellers, a third settling disputes "
            "— and write coach/data/checks.json. It reads what a scorer that never saw the "
            "text's writer says about it (the out-of-fold reports of train-planner, made once "
            "and cached) and the draft's sentence vectors. With --cross-validate, print how "
            "well it, the old phrase rules and the labellers agree, folds by writer; nothing "
            "is written."
        ),
    )
    add_training_options(train, "sentence vectors and out-of-fold reports")
    train.set_defaults(func=run_train_checks)


def run_train_checks(args: argparse.Namespace) -> int:
    from coach.cli.planner import cached_reports
    from coach.scoring.checks import (
        CHECKS,
        CHECKS_FILE,
        CheckExample,
        CheckWeights,
        cross_validate_check,
        fit_check,
        labeller_agreement,
        labels_hash,
        load_check_labels,
        scorer_outputs,
        unit_mean,
    )
    from coach.scoring.dataset import evidence_indices, load_corpus
    from coach.scoring.evaluate import quadratic_weighted_kappa
    from coach.text.draft import make_draft
    from coach.text.embeddings import Embedder

    folder = args.corpus / "checks"
    labels = load_check_labels(folder)
    if not labels:
        raise InputError(f"{folder}: no check labels (first.jsonl and second.jsonl)")
    drafts = [d for d in load_corpus(args.corpus) if d.id in labels]
    reports = cached_reports(
        load_corpus(args.corpus), args.cache_dir or Settings().data_dir / "cache"
    )
    embed = Embedder().embed
    say(f"{len(drafts)} labelled texts: embedding their sentences")
    sentences = {d.id: [s.text for s in make_draft(d.text).sentences] for d in drafts}
    vectors = {d.id: np.asarray(embed(sentences[d.id]), dtype=np.float32) for d in drafts}
    models, results = {}, {}
    for name in CHECKS:
        examples, rules = [], []
        for item in drafts:
            report, label = reports[item.id], labels[item.id]
            scorer = report.extra["scorer"]
            examples.append(
                CheckExample(
                    writer=item.writer,
                    outputs=scorer_outputs(
                        scorer["probabilities"], scorer["overall_1_to_5"], report.components
                    ),
                    vector=unit_mean(vectors[item.id]),
                    sentence_vectors=vectors[item.id],
                    level=label.level[name],
                    quoted=frozenset(evidence_indices(sentences[item.id], label.evidence[name])),
                )
            )
            rules.append(next(c.score for c in report.criteria if c.id == name))
        if args.cross_validate:
            result = cross_validate_check(examples)
            result["qwk_phrase_rules"] = round(
                quadratic_weighted_kappa([e.level for e in examples], rules), 3
            )
            results[name] = result
        else:
            models[name] = fit_check(examples)
    if not args.cross_validate:
        out = args.out or CHECKS_FILE
        write_weights(out, CheckWeights(models, labels_hash(folder)).to_dict())
        say(f"wrote {out} ({len(drafts)} texts)")
        return 0
    results["link_self_us"] = _link_agreement(drafts, labels, reports)
    results["labellers"] = labeller_agreement(folder)
    if args.format == "json":
        print(json.dumps(results, indent=2))
        return 0
    for name in CHECKS:
        r = results[name]
        print(
            f"{name} ({r['texts']} texts, folds by writer): QWK {r['qwk']:.3f} "
            f"(scorer outputs only, as for Spanish and French: {r['qwk_outputs_only']:.3f}; "
            f"the old phrase rules: {r['qwk_phrase_rules']:.3f}); quoted sentences P/R/F1 "
            f"{r['evidence_precision']:.2f} / {r['evidence_recall']:.2f} / {r['evidence_f1']:.2f}"
        )
    link = results["link_self_us"]
    print(
        f"link_self_us from the scorer's self/us reading (out of fold): QWK {link['qwk']:.3f} "
        f"(the old phrase rules: {link['qwk_phrase_rules']:.3f})"
    )
    print(
        "two labellers agree: "
        + ", ".join(f"{k} QWK {v:.3f}" for k, v in results["labellers"].items())
    )
    return 0


def _link_agreement(drafts, labels, reports) -> dict:
    """The link from self to us as the learned scorer reads it (how many of self and us its
    out-of-fold reading finds), against the labels and against the old phrase rules."""
    from coach.scoring.evaluate import quadratic_weighted_kappa

    human = [labels[d.id].level["link_self_us"] for d in drafts]
    parts = [
        int(reports[d.id].components["self"]) + int(reports[d.id].components["us"]) for d in drafts
    ]
    rules = [
        next(c.score for c in reports[d.id].criteria if c.id == "link_self_us") for d in drafts
    ]
    return {
        "texts": len(drafts),
        "qwk": round(quadratic_weighted_kappa(human, parts), 3),
        "qwk_phrase_rules": round(quadratic_weighted_kappa(human, rules), 3),
    }
