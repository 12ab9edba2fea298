"""``coach train-checks``: refit the learned checks (emotion, the opening), or measure them.

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
        help="refit the learned checks (emotion, the opening) on their labelled texts",
        description=(
            "Fit the models that read two of the rubric's criteria beyond the eight — "
            "emotion and the opening (values_first_framing): the level, and which sentences "
            "carry it — on CORPUS/checks/ (rounds of corpus texts labelled by two helpers, a "
            "third settling disputes) and write coach/data/checks.json. They read what a "
            "scorer that never saw the text's writer says about it (the out-of-fold reports "
            "of train-planner, made once and cached) and the draft's sentence vectors. With "
            "--cross-validate, print for every labelled criterion how well the learned "
            "reading, the old phrase rules and the two labellers agree, folds by writer; "
            "nothing is written. About three minutes once the reports are cached."
        ),
    )
    add_training_options(train, "sentence vectors and out-of-fold reports")
    train.set_defaults(func=run_train_checks)


def run_train_checks(args: argparse.Namespace) -> int:
    from coach.cli.planner import cached_reports
    from coach.scoring.checks import (
        CHECKS,
        CHECKS_FILE,
        LABELLED,
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
        raise InputError(f"{folder}: no check labels (ROUND/first.jsonl and second.jsonl)")
    corpus = load_corpus(args.corpus)
    drafts = [d for d in corpus if d.id in labels]
    reports = cached_reports(corpus, args.cache_dir or Settings().data_dir / "cache")
    embed = Embedder().embed
    say(f"{len(drafts)} labelled texts: embedding their sentences")
    sentences = {d.id: [s.text for s in make_draft(d.text).sentences] for d in drafts}
    vectors = {d.id: np.asarray(embed(sentences[d.id]), dtype=np.float32) for d in drafts}
    models, results = {}, {}
    for name, c in CHECKS.items():
        examples = []
        for item in (d for d in drafts if name in labels[d.id].level):
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
        if args.cross_validate:
            results[name] = cross_validate_check(examples, c)
        else:
            models[name] = fit_check(examples, c)
    if not args.cross_validate:
        out = args.out or CHECKS_FILE
        write_weights(out, CheckWeights(models, labels_hash(folder)).to_dict())
        say(f"wrote {out} ({len(drafts)} texts: {', '.join(models)})")
        return 0
    for name in LABELLED:
        rows = [d for d in drafts if name in labels[d.id].level]
        human = [labels[d.id].level[name] for d in rows]
        rules = [reports[d.id].criterion(name).score for d in rows]
        measured = results.setdefault(name, {"texts": len(rows)})
        measured["qwk_phrase_rules"] = round(quadratic_weighted_kappa(human, rules), 3)
        measured["exact_phrase_rules"] = round(float(np.mean(np.equal(human, rules))), 3)
        if name == "link_self_us":  # counted from the scorer's self/us reading, out of fold
            parts = [
                int(reports[d.id].components["self"]) + int(reports[d.id].components["us"])
                for d in rows
            ]
            measured["qwk"] = round(quadratic_weighted_kappa(human, parts), 3)
            measured["exact"] = round(float(np.mean(np.equal(human, parts))), 3)
    results["labellers"] = labeller_agreement(folder)
    if args.format == "json":
        print(json.dumps(results, indent=2))
        return 0
    print("agreement with the settled labels, folds by writer (QWK; exact share in brackets)")
    for name in LABELLED:
        r = results[name]
        line = f"  {name} ({r['texts']} texts): "
        if "qwk" in r:
            how = "learned" if name in CHECKS else "from the scorer's self/us"
            line += f"{how} {r['qwk']:.3f} ({r['exact']:.2f}), "
        line += f"old phrase rules {r['qwk_phrase_rules']:.3f} ({r['exact_phrase_rules']:.2f}), "
        line += f"two labellers {results['labellers'][name]:.3f}"
        if name in CHECKS:
            line += (
                f"; scorer outputs only (Spanish, French) {r['qwk_outputs_only']:.3f}; quoted "
                f"sentences P/R/F1 {r['evidence_precision']:.2f} / {r['evidence_recall']:.2f} / "
                f"{r['evidence_f1']:.2f}"
            )
        print(line)
    return 0
