"""Golden JSON: `coach score --format json --no-guidance` output for two drafts of our own.

The Report is deterministic, so the whole output is compared; nothing is ignored.
``--no-guidance`` keeps the cited passages out: they come from the source library, whose
cards and index change independently of the scorer (the rule-based coaching stays in).

When the scorer or the rubric changes on purpose, regenerate and review the diff:

    UPDATE_GOLDEN=1 /tmp/venv/bin/python -m pytest tests/scoring/test_golden.py -p no:cacheprovider
    git diff tests/scoring/golden/
"""

from __future__ import annotations

import json
import os

import pytest
from scoring_support import GOLDEN, SCHEMA

DRAFTS = ("strong_narrative", "weak_message")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("name", DRAFTS)
def test_score_json_matches_golden(run_coach, name: str) -> None:
    result = run_coach("score", GOLDEN / f"{name}.txt", "--format", "json", "--no-guidance")
    assert result.returncode == 0, result.stderr
    golden = GOLDEN / f"{name}.json"
    if UPDATE:
        golden.write_text(result.stdout, encoding="utf-8")
    assert golden.is_file(), f"no {golden.name}; run with UPDATE_GOLDEN=1 to create it"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    actual = json.loads(result.stdout)
    assert actual["schema"] == SCHEMA
    assert actual == expected, (
        f"`coach score` output for {name}.txt changed; if intended, regenerate with "
        "UPDATE_GOLDEN=1 (see this module's docstring) and review the diff"
    )


def test_the_golden_drafts_rank_as_labelled() -> None:
    """A careful labeller would put the strong draft at 5 and the weak one at 1-2."""
    strong = json.loads((GOLDEN / "strong_narrative.json").read_text(encoding="utf-8"))
    weak = json.loads((GOLDEN / "weak_message.json").read_text(encoding="utf-8"))
    assert strong["overall"] >= 80 and weak["overall"] <= 30
    assert strong["detected_story_type"] == "narrative"
    assert strong["components"] == {"self": True, "us": True, "now": True}
    assert weak["components"]["self"] is False and weak["components"]["now"] is False


@pytest.mark.parametrize("name", DRAFTS)
def test_golden_evidence_quotes_the_draft(name: str) -> None:
    text = (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
    report = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    spans = [e for c in report["criteria"] for e in c["evidence"]]
    assert spans
    for evidence in spans:
        assert text[evidence["start"] : evidence["end"]] == evidence["text"]


def test_a_stored_report_reads_back_to_the_same_report(score) -> None:
    from coach.report import Report

    report = score((GOLDEN / "strong_narrative.txt").read_text(encoding="utf-8"))
    assert Report.from_dict(report.to_dict()) == report
