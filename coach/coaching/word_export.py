"""The feedback as a one-page Word document, for a campaign lead to share or print.

Same content as the plain-text feedback (``plain_text.feedback_text``): the scores, the plan
with the quoted sentences, moves, patterns and cited passages, then the draft itself. Built
with python-docx; every piece of the user's text goes in as text, never as markup. The
wording is shared with the PDF export (``export_parts``).
"""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt, RGBColor

from coach.coaching import export_parts as parts

_GREY = RGBColor(0x55, 0x55, 0x55)
_t = parts.clean


def _scores_table(document, criteria) -> None:
    if not criteria:  # a draft the scorer declined: its line above says why
        return
    table = document.add_table(rows=1, cols=3)
    table.style = "Light Grid Accent 1"
    for cell, heading in zip(table.rows[0].cells, ("Criterion", "Score", "Why"), strict=True):
        cell.text = heading
    for criterion in criteria:
        row = table.add_row().cells
        row[0].text = _t(criterion.name)
        row[1].text = parts.score_label(criterion)
        row[2].text = _t(criterion.reason)


def feedback_docx(report, plan, feedback, text: str, title: str = "") -> bytes:
    document = Document()
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(parts.title_of(title), level=1)
    line = document.add_paragraph()
    line.add_run(parts.overall(report)).bold = True
    line.add_run(parts.summary(report))
    _scores_table(document, parts.judged_criteria(report))
    document.add_heading("Your plan", level=2)
    if plan is not None and plan.ready:
        document.add_paragraph(_t(plan.rehearse))
    if plan is not None and plan.close_call_note:
        document.add_paragraph().add_run(_t(plan.close_call_note)).italic = True
    for step in plan.steps if plan is not None else ():
        item = document.add_paragraph(style="List Number")
        item.add_run(_t(step.diagnosis)).bold = True
        document.add_paragraph(_t(step.move))
        if step.question:
            document.add_paragraph(parts.question_line(step.question))
        if step.illustration:
            note = document.add_paragraph()
            note.add_run(parts.pattern_lead(step.illustration)).italic = True
            note.add_run(parts.pattern_text(step.illustration))
        for citation in step.citations[:1]:
            run = document.add_paragraph().add_run(parts.citation_line(citation))
            run.font.color.rgb = _GREY
    if feedback is not None and feedback.trainer_summary:
        document.add_paragraph().add_run(parts.trainer_line(feedback)).italic = True
    document.add_heading("The draft", level=2)
    for paragraph in parts.draft_paragraphs(text):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
