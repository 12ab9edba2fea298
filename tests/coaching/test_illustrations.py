"""Illustrations: a pattern from the setting closest to the draft, checked by a labeller."""

from __future__ import annotations

from collections import Counter

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
