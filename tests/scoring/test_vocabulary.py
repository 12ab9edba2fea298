"""The rubric vocabulary: every name a rubric may use is declared once, and validation reads it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from coach.errors import RubricError
from coach.scoring import metrics, signals
from coach.scoring.engine import Scorer
from coach.scoring.rubric import (
    DEFAULT_RUBRIC,
    DETECTION_SIGNALS,
    DocFlagLimits,
    GenrePrototypes,
    load_rubric,
)
from coach.scoring.vocabulary import DOC_FLAGS, FEATURES, METRICS, SIGNAL_KINDS, STORY_TYPES
from coach.text.draft import make_draft


@pytest.fixture()
def ours() -> dict:
    return yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))


def write(directory: Path, data: dict) -> Path:
    path = directory / "rubric.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def criterion(data: dict, criterion_id: str) -> dict:
    return next(c for c in data["criteria"] if c["id"] == criterion_id)


def signal_names(rubric) -> set[str]:
    """Every ``kind:name`` a rubric uses: in signals, caps and the detection block."""
    names = {n for c in rubric.criteria for s in c.signals for n in s.names()}
    names |= {cap.when for c in rubric.criteria for cap in c.caps}
    for field in DETECTION_SIGNALS:
        value = getattr(rubric.detection, field)
        names |= {value} if isinstance(value, str) else set(value)
    return names


def test_every_signal_name_in_our_rubric_is_in_the_registry() -> None:
    rubric = load_rubric()
    declared = {
        "lex": set(rubric.lexicons),
        "re": set(rubric.patterns),
        "feat": set(FEATURES),
        "doc": set(DOC_FLAGS),
    }
    assert set(declared) == set(SIGNAL_KINDS)
    for name in signal_names(rubric):
        kind, _, key = name.partition(":")
        assert key in declared[kind], name
    assert {c.metric.name for c in rubric.criteria if c.metric} <= set(METRICS)
    assert all(set(c.weights) == set(STORY_TYPES) for c in rubric.criteria)


def test_the_registry_rejects_an_unknown_name_in_a_rubric(tmp_path: Path, ours: dict) -> None:
    criterion(ours, "choice")["signals"][0]["all"] = ["lex:decision", "feat:past_tence"]
    with pytest.raises(RubricError) as error:
        load_rubric(write(tmp_path, ours))
    assert (
        "criterion 'choice': unknown signal 'feat:past_tence' (did you mean 'feat:past_tense'?)"
        in str(error.value)
    )


def test_every_unknown_name_is_reported_at_once(tmp_path: Path, ours: dict) -> None:
    """A trainer fixes a rubric in one pass, not one error per run."""
    criterion(ours, "choice")["signals"][0]["all"] = ["lex:decision", "feat:past_tence"]
    criterion(ours, "hope")["caps"][0]["when"] = "doc:templat"
    ours["detection"]["hedges"] = "lex:hedge"
    with pytest.raises(RubricError) as error:
        load_rubric(write(tmp_path, ours))
    assert error.value.problems == (
        "criterion 'choice': unknown signal 'feat:past_tence' (did you mean 'feat:past_tense'?)",
        "criterion 'hope': unknown signal 'doc:templat' (did you mean 'doc:template'?)",
        "detection.hedges: unknown signal 'lex:hedge' (did you mean 'lex:hedges'?)",
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda data: criterion(data, "urgency")["weights"].update(nowe=1.0),
            "criterion 'urgency': weights: unknown story type 'nowe' (did you mean 'now'?)",
        ),
        (
            lambda data: criterion(data, "readability")["metric"].update(name="reading_level"),
            "criterion 'readability': metric: unknown metric 'reading_level' (choose from",
        ),
    ],
    ids=["story-type", "metric"],
)
def test_an_unknown_story_type_or_metric_is_named(
    tmp_path: Path, ours: dict, change, words: str
) -> None:
    change(ours)
    with pytest.raises(RubricError) as error:
        load_rubric(write(tmp_path, ours))
    assert words in str(error.value)


def test_every_declared_name_has_one_implementation() -> None:
    assert set(signals.SENTENCE_FEATURES) == set(FEATURES)
    counts = signals.DraftCounts(
        sentences=1,
        words=10,
        instructions=0,
        narrated=0,
        statistics=0,
        hedges=0,
        blocking=0,
        solutions=0,
        template_markers=0,
        episodes=1,
        genre_margin=None,
    )
    assert list(signals.doc_flags(counts, DocFlagLimits())) == list(DOC_FLAGS)
    assert set(metrics.METRICS) == set(METRICS)
    assert set(DocFlagLimits.model_fields) <= set(DOC_FLAGS)


def test_a_feature_must_be_declared_before_it_is_implemented() -> None:
    with pytest.raises(KeyError, match="not declared"):
        signals._feat("exclamation")


def test_doc_flag_thresholds_are_data_in_the_rubric(tmp_path: Path, ours: dict) -> None:
    """Raising the 'short' limit in the file, not in code, flags a longer draft as short."""
    draft = make_draft(" ".join(["We met at the hall and talked about the bus."] * 7))
    assert not Scorer(load_rubric()).context(draft).doc["short"]
    ours["doc_flags"]["short"]["under_words"] = 100
    assert Scorer(load_rubric(write(tmp_path, ours))).context(draft).doc["short"]


def test_a_rubric_without_doc_flags_decides_them_as_ours() -> None:
    """The defaults are our rubric's values, so a trainer's older rubric scores as before."""
    rubric = load_rubric()
    assert rubric.doc_flags == DocFlagLimits()
    defaults = GenrePrototypes(narrative=(), non_narrative=())
    assert (rubric.genres.min_words, rubric.genres.sample_chars) == (
        defaults.min_words,
        defaults.sample_chars,
    )


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        ({"procedural": {"min_share": 1.5}}, "doc_flags.procedural.min_share"),
        ({"hedged": {"min_hedges": -1}}, "doc_flags.hedged.min_hedges"),
        ({"procedual": {}}, "unknown doc flag 'procedual' (did you mean 'procedural'?)"),
        ({"no_story": {"min": 1}}, "doc flag 'no_story' is not decided by counts"),
    ],
    ids=["share-above-one", "negative-count", "typo", "flag-without-counts"],
)
def test_a_bad_threshold_is_named(tmp_path: Path, ours: dict, flags: dict, words: str) -> None:
    data = copy.deepcopy(ours)
    data["doc_flags"] = flags
    with pytest.raises(RubricError) as error:
        load_rubric(write(tmp_path, data))
    assert words in str(error.value)
