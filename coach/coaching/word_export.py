"""The feedback as a one-page Word document, for a campaign lead to share or print.

Same content as the plain-text feedback (``plain_text.feedback_text``): the scores, the plan
with the quoted sentences, moves, patterns and cited passages, then the draft itself. Built
with python-docx; every piece of the user's text goes in as text, never as markup.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.shared import Pt, RGBColor

_LEVEL = {0: "not yet", 1: "part", 2: "full"}
_GREY = RGBColor(0x55, 0x55, 0x55)
#: Characters XML 1.0 cannot hold (a draft pasted from a binary file may carry them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _t(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def feedback_docx(report, plan, feedback, text: str, title: str = "") -> bytes:
    document = Document()
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(_t(title) or "Narrative Coach feedback", level=1)
    line = document.add_paragraph()
    line.add_run(f"Overall {report.overall}/100").bold = True
    line.add_run(
        f" · {report.word_count} words · {report.detected_story_type} · "
        f"weighted as {report.story_type}"
    )
    table = document.add_table(rows=1, cols=3)
    table.style = "Light Grid Accent 1"
    for cell, heading in zip(table.rows[0].cells, ("Criterion", "Score", "Why"), strict=True):
        cell.text = heading
    for criterion in report.criteria:
        row = table.add_row().cells
        row[0].text = _t(criterion.name)
        row[1].text = f"{criterion.score}/{criterion.max} ({_LEVEL.get(criterion.score, '')})"
        row[2].text = _t(criterion.reason)
    document.add_heading("Your plan", level=2)
    if plan is not None and plan.ready:
        document.add_paragraph(_t(plan.rehearse))
    for step in plan.steps if plan is not None else ():
        item = document.add_paragraph(style="List Number")
        item.add_run(_t(step.diagnosis)).bold = True
        document.add_paragraph(_t(step.move))
        if step.question:
            document.add_paragraph(_t(f"Ask yourself: {step.question}"))
        if step.illustration:
            example = step.illustration
            note = document.add_paragraph()
            lead = f"The pattern ({example.setting}; an example, not text to copy): "
            note.add_run(lead).italic = True
            note.add_run(_t(f"“{example.weak}” → “{example.strong}” {example.pattern}"))
        for citation in step.citations[:1]:
            where = ", ".join(part for part in (citation.source, citation.locator) if part)
            cited = document.add_paragraph()
            run = cited.add_run(_t(f"See: {where} — “{' '.join(citation.text.split())[:300]}”"))
            run.font.color.rgb = _GREY
    if feedback is not None and feedback.trainer_summary:
        summary = _t(f"For trainers: {feedback.trainer_summary}")
        document.add_paragraph().add_run(summary).italic = True
    document.add_heading("The draft", level=2)
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            document.add_paragraph(_t(paragraph.strip()))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
