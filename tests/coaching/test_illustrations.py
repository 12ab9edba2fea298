"""Illustrations: a pattern from the setting closest to the draft, checked by a labeller."""

from __future__ import annotations

from collections import Counter

import pytest

from coach.coaching.illustrations import choose_illustrations, load_bank
from coach.scoring.rubric import FIXED_CRITERIA

TENANTS = [
    "The lift in our tower block has been broken since March.",
    "Mrs Adeyemi on the ninth floor carries her shopping up the stairs and the landlord "
    "ignores our repair requests.",
]
BUS = [
    "The 41 bus used to run every twenty minutes past the depot.",
    "Since the route was cut, night-shift cleaners wait an hour at the stop for the last bus.",
]


def test_the_bank_covers_every_criterion_in_twelve_settings_and_each_entry_was_checked():
    bank = load_bank()
    assert Counter(i.criterion for i in bank) == dict.fromkeys(FIXED_CRITERIA, 12)
    assert len({i.setting for i in bank}) == 12
    assert len({i.strong for i in bank}) == len(bank)  # no sentence used twice


def test_each_draft_gets_the_pattern_from_its_own_setting(scorer):
    embed = scorer.sentence_encoder.embed
    tenants = choose_illustrations(TENANTS, ["challenge", "call_to_action"], embed)
    bus = choose_illustrations(BUS, ["challenge", "call_to_action"], embed)
    assert tenants["challenge"].setting == "tenants and housing"
    assert bus["challenge"].setting == "public transport"
    assert {tenants["call_to_action"].criterion, bus["call_to_action"].criterion} == {
        "call_to_action"
    }
    assert choose_illustrations(TENANTS, ["challenge"], embed) == {
        "challenge": tenants["challenge"]
    }  # the same draft, the same example


def test_without_an_encoder_the_choice_is_still_fixed():
    first = choose_illustrations(TENANTS, ["hope"], None)
    assert first == choose_illustrations(BUS, ["hope"], None)
    assert first["hope"].criterion == "hope"


def test_the_setting_model_was_fitted_on_the_committed_labels():
    from coach.coaching.setting_model import labels_hash, load_setting_labels, setting_model
    from coach.settings import PROJECT_ROOT

    labels = load_setting_labels(PROJECT_ROOT / "datasets" / "drafts" / "settings.jsonl")
    assert len(labels) == 520  # every writer's text, labelled from its brief's persona
    assert setting_model().training_data == labels_hash(labels)
    assert len(setting_model().model.classes) == 12  # the bank's sentences bring all twelve


@pytest.mark.slow
def test_the_setting_is_the_labelled_one_for_most_drafts_it_never_saw():
    import json
    import subprocess
    import sys

    from coach.settings import PROJECT_ROOT

    done = subprocess.run(
        [sys.executable, "-m", "coach", "train-settings", "--cross-validate", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    )
    result = json.loads(done.stdout)
    # measured 0.65 and 0.75; ranking by cosine to the bank's examples: 0.38 and 0.43
    assert result["writers_cross_validated"] >= 0.55
    assert result["held_out"] == 60 and result["held_out_agreement"] >= 0.6
