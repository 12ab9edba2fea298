"""Rubric files: the default loads, a broken one names its file and criterion, criteria are data."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from scoring_support import FIXED_IDS

from coach.errors import RubricError
from coach.scoring.engine import Scorer
from coach.scoring.rubric import DEFAULT_RUBRIC, STORY_TYPES, load_rubric
from coach.text.draft import make_draft


@pytest.fixture(scope="module")
def default_data() -> dict:
    return yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))


def write_rubric(directory: Path, data: dict, name: str = "rubric.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def criterion(data: dict, criterion_id: str) -> dict:
    return next(c for c in data["criteria"] if c["id"] == criterion_id)


def test_the_default_rubric_loads_with_the_fixed_criteria() -> None:
    rubric = load_rubric()
    ids = [c.id for c in rubric.criteria]
    assert ids[: len(FIXED_IDS)] == list(FIXED_IDS)
    assert rubric.id and rubric.version
    for item in rubric.criteria:
        assert set(item.levels) == {0, 1, 2}
        assert set(item.weights) == set(STORY_TYPES)
        assert item.signals or item.metric is not None
        assert item.guidance_query and item.coaching_question


def test_loading_the_same_file_twice_gives_equal_rubrics() -> None:
    assert load_rubric(DEFAULT_RUBRIC) == load_rubric()


# Each breakage: (what to do to the default rubric's data, the criterion id, words the
# message must also contain).
def _unknown_signal(data: dict) -> None:
    criterion(data, "choice")["signals"][0]["any"] = ["lex:no_such_list"]


def _unknown_cap_signal(data: dict) -> None:
    criterion(data, "hope")["caps"][0]["when"] = "doc:no_such_property"


def _missing_level(data: dict) -> None:
    del criterion(data, "outcome")["levels"][2]


def _duplicate_id(data: dict) -> None:
    data["criteria"].append(copy.deepcopy(criterion(data, "values")))


def _typo_in_a_key(data: dict) -> None:
    criterion(data, "urgency")["wieghts"] = criterion(data, "urgency").pop("weights")


def _missing_story_type_weight(data: dict) -> None:
    del criterion(data, "call_to_action")["weights"]["message"]


def _no_signals_and_no_metric(data: dict) -> None:
    criterion(data, "specificity")["signals"] = []


BREAKAGES = [
    pytest.param(_unknown_signal, "choice", "lex:no_such_list", id="unknown-signal"),
    pytest.param(_unknown_cap_signal, "hope", "doc:no_such_property", id="unknown-cap-signal"),
    pytest.param(_missing_level, "outcome", "levels", id="missing-level"),
    pytest.param(_duplicate_id, "values", "duplicate", id="duplicate-id"),
    pytest.param(_typo_in_a_key, "urgency", "wieghts", id="unknown-key"),
    pytest.param(_missing_story_type_weight, "call_to_action", "message", id="missing-weight"),
    pytest.param(_no_signals_and_no_metric, "specificity", "signals", id="no-signals"),
]


@pytest.mark.parametrize(("breakage", "criterion_id", "words"), BREAKAGES)
def test_a_broken_criterion_is_named_with_its_file(
    tmp_path: Path, default_data: dict, breakage, criterion_id: str, words: str
) -> None:
    data = copy.deepcopy(default_data)
    breakage(data)
    path = write_rubric(tmp_path, data, "broken-rubric.yaml")
    with pytest.raises(RubricError) as error:
        load_rubric(path)
    message = str(error.value)
    assert str(path) in message
    assert f"'{criterion_id}'" in message
    assert words in message


def test_a_pattern_that_does_not_compile_is_named(tmp_path: Path, default_data: dict) -> None:
    data = copy.deepcopy(default_data)
    data["patterns"]["when_soon"] = r"\b(?:monday|tuesday"
    path = write_rubric(tmp_path, data)
    with pytest.raises(RubricError, match="when_soon.*does not compile") as error:
        load_rubric(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("now_lived", ["feat:in_epsiode"], "detection.now_lived: unknown signal 'feat:in_epsiode'"),
        ("hedges", "lex:hedgez", "detection.hedges: unknown signal 'lex:hedgez'"),
        ("now_concrete", "challange", "detection.now_concrete: unknown criteria ['challange']"),
        ("now_needs", ["challenge", "urgncy"], "detection.now_needs: unknown criteria ['urgncy']"),
    ],
)
def test_a_typo_in_the_detection_block_is_named(
    tmp_path: Path, default_data: dict, field: str, value, words: str
) -> None:
    """Found when the rubric loads, not as a traceback when the first draft is scored."""
    data = copy.deepcopy(default_data)
    data["detection"][field] = value
    with pytest.raises(RubricError) as error:
        load_rubric(write_rubric(tmp_path, data))
    assert words in str(error.value)


def test_a_bad_pattern_names_the_criterion_that_uses_it(tmp_path: Path, default_data) -> None:
    data = copy.deepcopy(default_data)
    data["patterns"]["when_soon"] = r"\b(?:monday|tuesday"
    with pytest.raises(RubricError, match="urgency"):
        load_rubric(write_rubric(tmp_path, data))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("criteria: [unclosed\n  - {id: challenge\n", "not valid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        ("id: x\n\tversion: tab-indented\n", "not valid YAML"),
    ],
    ids=["unclosed", "not-a-mapping", "tab"],
)
def test_a_file_that_is_not_a_rubric_is_named(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RubricError, match=words) as error:
        load_rubric(path)
    assert str(path) in str(error.value)


def test_a_missing_rubric_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "no-such-rubric.yaml"
    with pytest.raises(RubricError, match="cannot read") as error:
        load_rubric(path)
    assert str(path) in str(error.value)


def test_the_cli_reports_a_broken_rubric_without_a_traceback(
    run_coach, tmp_path: Path, default_data: dict
) -> None:
    data = copy.deepcopy(default_data)
    _unknown_signal(data)
    path = write_rubric(tmp_path, data)
    draft = tmp_path / "draft.txt"
    draft.write_text("We marched to City Hall on Friday.", encoding="utf-8")
    result = run_coach("score", draft, "--rubric", path, "--no-guidance")
    assert result.returncode == 2
    assert str(path) in result.stderr and "'choice'" in result.stderr


# --- criteria are data: one more criterion, no code -----------------------------------------

GRATITUDE = {
    "id": "gratitude",
    "name": "Thanks people",
    "description": "The draft thanks the people who made the win possible.",
    "levels": {0: "Nobody is thanked.", 1: "A general thank-you.", 2: "People are thanked."},
    "signals": [
        {"label": "a thank-you", "any": ["lex:thanks"], "weight": 1.0},
        {
            "label": "named people are thanked",
            "all": ["lex:thanks", "feat:proper_name"],
            "weight": 1.0,
        },
    ],
    "weak_at": 1.0,
    "strong_at": 2.0,
    "weights": {"self": 0.5, "us": 1.0, "now": 0.5, "narrative": 0.5, "message": 1.0},
    "guidance_query": "thank the people who made it possible",
    "coaching_question": "Who made this possible, and have you thanked them by name?",
}
THANKFUL = (
    "We won the vote on Tuesday after eight months of knocking on doors. Thank you, Maria and "
    "the Alder Street tenants, for every meeting you came to!"
)


@pytest.fixture(scope="module")
def custom_rubric_path(tmp_path_factory, default_data: dict) -> Path:
    data = copy.deepcopy(default_data)
    data["id"] = "public-narrative-with-thanks"
    data["lexicons"]["thanks"] = ["thank*", "grateful", "gratitude"]
    data["criteria"].append(GRATITUDE)
    return write_rubric(tmp_path_factory.mktemp("rubric"), data, "with-thanks.yaml")


def test_a_custom_criterion_is_scored_with_evidence(scorer, custom_rubric_path: Path) -> None:
    custom = Scorer(load_rubric(custom_rubric_path), embedder=scorer.embedder)
    draft = make_draft(THANKFUL)
    report = custom.score(draft)
    gratitude = report.criterion("gratitude")
    assert gratitude.score == 2
    thanks = "Thank you, Maria and the Alder Street tenants, for every meeting you came to!"
    assert [e.text for e in gratitude.evidence] == [thanks]
    for evidence in gratitude.evidence:
        assert draft.text[evidence.start : evidence.end] == evidence.text
    assert report.rubric_id == "public-narrative-with-thanks"
    assert set(FIXED_IDS) <= set(report.scores())
    assert custom.score(make_draft("We won the vote on Tuesday.")).criterion("gratitude").score == 0


def test_a_custom_rubric_works_through_the_cli(
    run_coach, tmp_path: Path, custom_rubric_path: Path
) -> None:
    draft = tmp_path / "thanks.txt"
    draft.write_text(THANKFUL, encoding="utf-8")
    result = run_coach(
        "score", draft, "--rubric", custom_rubric_path, "--format", "json", "--no-guidance"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    scores = {c["id"]: c["score"] for c in report["criteria"]}
    assert scores["gratitude"] == 2
    assert report["rubric"]["id"] == "public-narrative-with-thanks"
