"""The feedback as a Word document: scores, the plan in the draft's words, the draft."""

from __future__ import annotations

import io

import docx

from coach.coaching.coached import coach_text
from coach.coaching.word_export import feedback_docx
from coach.scoring.pipeline import score_text

DRAFT = (
    "Our library might close. Libraries matter to everyone.\x07 We must act.\n\n"
    "<script>alert(1)</script> Get involved! Together we can save it!"
)


def test_the_word_document_holds_the_scores_the_plan_and_the_draft_as_text(scorer):
    report = score_text(DRAFT, scorer, story_type="now")
    coached = coach_text(report, scorer, DRAFT)
    data = feedback_docx(coached.report, coached.plan, coached.feedback, DRAFT, "Library <b>")
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Library <b>"  # a title is text, never markup
    assert any(p.startswith("Overall ") for p in paragraphs)
    rows = document.tables[0].rows
    assert len(rows) == len(report.criteria) + 1
    assert rows[1].cells[1].text.startswith(f"{report.criteria[0].score}/")
    first = coached.plan.steps[0]
    assert first.diagnosis in paragraphs and first.move in paragraphs
    assert "<script>alert(1)</script> Get involved! Together we can save it!" in paragraphs
    assert "Libraries matter to everyone. We must act." in paragraphs[-2]  # \x07 left out
