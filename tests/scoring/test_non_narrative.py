"""Texts that are not public narratives must score low, whatever framework words they use.

The samples live in tests/samples/ (shared with other tests): a recipe, a README, an
encyclopedia entry and a public-narrative template from the source material, plus
installation instructions, terms of service and a shopping list added here.
"""

from __future__ import annotations

import pytest
from scoring_support import SAMPLES

NARRATIVE_CRITERIA = ("challenge", "choice", "outcome", "hope")
#: sample file -> is it procedural (instructions the reader follows step by step)?
SAMPLE_FILES = {
    "recipe.txt": True,
    "readme.md": True,
    "encyclopedia.txt": False,
    "template.txt": False,
    "install_instructions.txt": True,
    "terms_of_service.txt": False,
    "shopping_list.txt": False,
}


@pytest.fixture(scope="module")
def reports(score):
    return {name: score((SAMPLES / name).read_text(encoding="utf-8")) for name in SAMPLE_FILES}


def test_every_sample_file_is_covered() -> None:
    on_disk = {p.name for p in SAMPLES.iterdir() if p.is_file()}
    assert set(SAMPLE_FILES) <= on_disk
    assert on_disk - set(SAMPLE_FILES) == set(), "a new sample: say here whether it is procedural"


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_overall_is_low(reports, name: str) -> None:
    assert reports[name].overall < 25, reports[name].scores()


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_narrative_criteria_stay_at_most_weak(reports, name: str) -> None:
    scores = reports[name].scores()
    assert {c: scores[c] for c in NARRATIVE_CRITERIA if scores[c] > 1} == {}


@pytest.mark.parametrize("name", [n for n, procedural in SAMPLE_FILES.items() if procedural])
def test_procedural_instructions_are_not_a_call_to_action(reports, name: str) -> None:
    assert reports[name].criterion("call_to_action").score == 0


@pytest.mark.parametrize(
    "name",
    [
        "recipe.txt",
        "readme.md",
        "encyclopedia.txt",
        "template.txt",
        "install_instructions.txt",
        "terms_of_service.txt",
        "shopping_list.txt",
    ],
)
def test_detected_as_non_narrative(reports, name: str) -> None:
    assert reports[name].detected_story_type == "non-narrative"


def test_reference_text_is_flagged_in_the_notes(reports) -> None:
    notes = " ".join(reports["recipe.txt"].notes)
    assert "not a public narrative" in notes


def test_a_template_full_of_framework_words_earns_nothing_core(reports) -> None:
    """The template names every part of a public narrative but tells none of them."""
    scores = reports["template.txt"].scores()
    assert all(scores[c] == 0 for c in (*NARRATIVE_CRITERIA, "call_to_action", "urgency"))
