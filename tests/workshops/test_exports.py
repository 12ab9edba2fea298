"""Workshop exports: CSV and JSON carry every participant; the printable HTML escapes all."""

from __future__ import annotations

import csv
import io
import json

import pytest

from coach.coaching.feedback import build_feedback
from coach.coaching.plan import build_plan
from coach.scoring.pipeline import build_scorer, score_text
from coach.workshops.exports import SCHEMA, to_csv, to_html, to_json, with_report

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def rows():
    """Rows as ``workshop_rows`` gives them, with fresh reports and coaching laid over."""
    scorer = build_scorer(with_embeddings=False)
    texts = {
        "Ana": "Last March the bus stopped at 7 pm. I started a petition. Sign it on Saturday.",
        HOSTILE: "<script>alert(1)</script> I chose to speak at the meeting on Friday at 6 pm.",
    }
    out = []
    for number, (name, text) in enumerate(texts.items(), 1):
        report = score_text(text, scorer)
        stored = {
            "workshop": "Spring",
            "participant": name,
            "draft_id": number,
            "version": 1,
            "versions": 1,
            "words": len(text.split()),
            "text": text,
            "report": None,
            "scores": {},
            "comments": [{"body": "<b>bold?</b>", "author": "Tess", "version": 1}],
        }
        feedback = build_feedback(report, scorer.rubric)
        plan = build_plan(report, scorer.rubric, text, feedback)
        out.append(with_report(stored, report, feedback, plan))
    return out


def test_csv_has_one_row_per_participant_with_a_column_per_criterion(rows):
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert [r["participant"] for r in parsed] == ["Ana", HOSTILE]
    assert {"overall", "score:challenge", "score:call_to_action", "comments"} <= set(parsed[0])


def test_json_carries_reports_feedback_comments(rows):
    document = json.loads(to_json(rows, "Spring"))
    assert document["schema"] == SCHEMA == "narrative-coach/workshop-export/v2"
    first = document["rows"][0]
    assert first["report"]["schema"] == "narrative-coach/report/v1"
    assert first["feedback"]["next_steps"] and first["comments"][0]["author"] == "Tess"
    plan = first["plan"]  # the same plan the app and `coach score --format json` show
    assert plan["first_fix"] == (plan["steps"][0]["id"] if plan["steps"] else "none")


def test_printable_report_escapes_names_drafts_and_comments(rows):
    page = to_html(rows, "Spring <cohort>")
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('<section class="participant">') == 2
    assert "page-break-before" in page
    assert page.count("<h3>Plan</h3>") == 2  # each participant's plan, not the old list


def test_a_draft_too_short_to_judge_has_no_overall_or_scores_in_exports_or_summary(scorer):
    from coach.workshops.summary import summarize

    text = "Save our library."
    report = score_text(text, scorer)
    row = with_report({"participant": "Bo", "draft_id": 1, "version": 1, "text": text}, report)
    assert row["overall"] is None and row["scores"] == {}
    assert row["report"]["extra"]["scorer"]["why"] == "too short"
    summary = summarize([row])
    assert summary.overall_mean is None  # a declined draft is not averaged in as a zero
