"""Workshop exports: CSV and JSON carry every participant; the printable HTML escapes all."""

from __future__ import annotations

import csv
import io
import json

import pytest

from coach.coaching.feedback import build_feedback
from coach.scoring.pipeline import build_scorer, score_text
from coach.workshops.exports import ParticipantExport, workshop_csv, workshop_html, workshop_json

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def participants():
    scorer = build_scorer(with_embeddings=False)
    texts = {
        "Ana": "Last March the bus stopped at 7 pm. I started a petition. Sign it on Saturday.",
        HOSTILE: "<script>alert(1)</script> I chose to speak at the meeting on Friday at 6 pm.",
    }
    out = []
    for name, text in texts.items():
        report = score_text(text, scorer)
        feedback = build_feedback(report, scorer.rubric)
        comments = ({"body": "<b>bold?</b>", "author": "Tess", "version": 1},)
        out.append(ParticipantExport(name, 1, text, report, feedback, comments))
    return out


def test_csv_has_one_row_per_participant(participants):
    rows = list(csv.DictReader(io.StringIO(workshop_csv(participants, "Spring"))))
    assert [r["name"] for r in rows] == ["Ana", HOSTILE]
    assert {"overall", "challenge", "call_to_action"} <= set(rows[0])


def test_json_carries_reports_feedback_comments(participants):
    document = json.loads(workshop_json(participants, "Spring"))
    assert document["schema"] == "narrative-coach/workshop-review/v1"
    first = document["participants"][0]
    assert first["report"]["schema"] == "narrative-coach/report/v1"
    assert first["feedback"]["next_steps"] and first["comments"][0]["author"] == "Tess"


def test_printable_report_escapes_names_drafts_and_comments(participants):
    page = workshop_html(participants, "Spring <cohort>")
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('<section class="participant">') == 2
    assert "page-break-before" in page
