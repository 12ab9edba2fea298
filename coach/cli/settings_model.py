"""``coach train-settings``: refit the model that picks an illustration's setting, or measure it.

Thin: embed the labelled texts, fit or cross-validate with
:mod:`coach.coaching.setting_model`, print or write the result.
"""

from __future__ import annotations

import argparse
import json

from coach.cli.training import add_training_options, say, write_weights
from coach.errors import InputError
from coach.settings import PROJECT_ROOT

HELD_OUT = PROJECT_ROOT / "datasets" / "coaching"


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train-settings",
        help="refit the model that picks an illustration's setting (health, unions, tenants…)",
        description=(
            "Fit the model that says which of the illustration bank's settings a draft is "
            "about, on CORPUS/settings.jsonl (a setting per text, labelled from its brief's "
            "persona) and the bank's own sentences, and write coach/data/settings.json. With "
            "--cross-validate, print how often it picks the labelled setting on writers it "
            f"never saw, and on the held-out coaching drafts ({HELD_OUT.name}/settings.jsonl); "
            "nothing is written. About a minute on 2 cores."
        ),
    )
    add_training_options(train)
    train.set_defaults(func=run_train_settings)


def run_train_settings(args: argparse.Namespace) -> int:
    import numpy as np

    from coach.coaching.evaluate import load_plans
    from coach.coaching.illustrations import load_bank
    from coach.coaching.setting_model import (
        SETTINGS_FILE,
        SettingModel,
        fit_setting_model,
        labels_hash,
        load_setting_labels,
        training_rows,
    )
    from coach.scoring.dataset import load_corpus
    from coach.scoring.fitting import groups_folds
    from coach.text.draft import make_draft
    from coach.text.embeddings import Embedder, draft_vector

    path = args.corpus / "settings.jsonl"
    if not path.is_file():
        raise InputError(f"{args.corpus}: no settings.jsonl (a setting per text)")
    labels = load_setting_labels(path)
    embed = Embedder().embed

    def vectors(texts: dict[str, str]) -> dict:
        found = {}
        for number, (key, text) in enumerate(sorted(texts.items()), 1):
            vector = draft_vector([s.text for s in make_draft(text).sentences], embed)
            if vector is not None:
                found[key] = vector
            if number % 100 == 0:
                say(f"embedded {number} of {len(texts)} texts")
        return found

    corpus = vectors({d.id: d.text for d in load_corpus(args.corpus) if d.id in labels})
    rows, settings, groups = training_rows(corpus, labels, load_bank(), embed)
    if not args.cross_validate:
        model = SettingModel(fit_setting_model(rows, settings), labels_hash(labels))
        out = args.out or SETTINGS_FILE
        write_weights(out, model.to_dict())
        say(f"wrote {out} ({len(corpus)} texts, {len(set(settings))} settings)")
        return 0
    texts = [i for i, g in enumerate(groups) if g != "bank"]
    right = 0
    for train, test in groups_folds([groups[i] for i in texts], 10):
        keep = [texts[i] for i in train] + [i for i, g in enumerate(groups) if g == "bank"]
        model = SettingModel(fit_setting_model(rows[keep], [settings[i] for i in keep]))
        right += sum(model.ranked(rows[texts[i]])[0] == settings[texts[i]] for i in test)
    result = {"texts": len(texts), "writers_cross_validated": round(right / len(texts), 3)}
    held_labels_path = HELD_OUT / "settings.jsonl"
    if held_labels_path.is_file():
        held_labels = load_setting_labels(held_labels_path)
        held = vectors({r["id"]: r["text"] for r in load_plans(HELD_OUT) if r["id"] in held_labels})
        model = SettingModel(fit_setting_model(rows, settings))
        hits = [model.ranked(v)[0] == held_labels[k] for k, v in held.items()]
        result.update(held_out=len(hits), held_out_agreement=round(float(np.mean(hits)), 3))
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        print(
            f"setting = the labelled one, writers never seen ({result['texts']} texts): "
            f"{result['writers_cross_validated']:.0%}"
        )
        if "held_out" in result:
            print(
                f"setting = the labelled one, held-out coaching drafts ({result['held_out']}): "
                f"{result['held_out_agreement']:.0%}"
            )
    return 0
