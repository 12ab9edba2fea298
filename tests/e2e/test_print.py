"""The printable workshop report fits an A4 page and keeps its colours (real Chromium): its
summary page first, a page of its own, then the table, then one page per participant."""

from __future__ import annotations

import io

import pytest
from e2e_support import ARTIFACTS
from pypdf import PdfReader

from coach.scoring.rubric import load_rubric
from coach.workshops.exports import to_html

pytestmark = pytest.mark.browser
A4_LANDSCAPE_CONTENT_PX = round((297 - 24) / 25.4 * 96)  # 12 mm margins, 96 px an inch


def workshop_rows() -> list[dict]:
    """Two participants scored on every criterion of the built-in rubric (its longest names),
    each with a coaching plan, and one who has not written yet."""
    criteria = load_rubric(None).criteria
    rows = []
    plans = [
        {"first_fix": "call_to_action", "ready": False, "steps": []},
        {"first_fix": "none", "ready": True, "rehearse": "Rehearse it aloud.", "steps": []},
    ]
    for number, name in enumerate(("Ana Beatriz Oliveira-Santos", "Ben"), 1):
        scores = {c.id: (i + number) % 3 for i, c in enumerate(criteria)}
        rows.append(
            {
                "participant": name,
                "version": number,
                "overall": 40 + 20 * number,
                "scores": scores,
                "text": "Last spring the night bus stopped running. I organised the riders.",
                "report": {
                    "criteria": [
                        {"id": c.id, "name": c.name, "score": scores[c.id], "max": 2, "reason": ""}
                        for c in criteria
                    ],
                    "speaking_time_s": 60,
                },
                "feedback": {},
                "plan": plans[number - 1],
                "comments": [],
            }
        )
    rows.append({"participant": "Cleo Marguerite Delacroix-Whitfield", "text": None})
    return rows


def width_of(page, selector: str) -> int:
    """The widest an element or anything in it reaches, in CSS pixels."""
    return page.evaluate(
        "(s) => { const e = document.querySelector(s);"
        " return Math.max(e.scrollWidth, ...[...e.querySelectorAll('*')]"
        ".map(c => c.getBoundingClientRect().right - e.getBoundingClientRect().left)); }",
        selector,
    )


def print_adjust(page, selector: str) -> str:
    return page.evaluate(
        "(s) => { const st = getComputedStyle(document.querySelector(s));"
        " return st.printColorAdjust || st.webkitPrintColorAdjust; }",
        selector,
    )


def test_the_printable_report_fits_a4_and_prints_its_colours(browser) -> None:
    context = browser.new_context(viewport={"width": A4_LANDSCAPE_CONTENT_PX, "height": 800})
    page = context.new_page()
    try:
        page.set_content(to_html(workshop_rows(), "Spring cohort"))
        page.emulate_media(media="print")
        for part in ("section.summary", "table.scores"):
            wide = width_of(page, part)
            assert wide <= A4_LANDSCAPE_CONTENT_PX, f"{part} {wide} px wide"
        for coloured in (
            "table.scores td[style*=background]",  # the heatmap
            "section.summary td[style*=background]",  # drafts at each level
            "section.summary .bar > i",  # the bars of the means and the overall scores
        ):
            assert print_adjust(page, coloured) == "exact", coloured
        ARTIFACTS.mkdir(exist_ok=True)  # what the first page looks like, for a person
        page.screenshot(path=str(ARTIFACTS / "print-summary.png"))
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        pages = PdfReader(io.BytesIO(pdf)).pages
        assert len(pages) == 4  # the summary, the table, then one page per participant
        for one in pages:
            width, height = (float(v) for v in one.mediabox.upper_right)
            assert abs(width - 842) < 2 and abs(height - 595) < 2  # A4 landscape, in points
        first, second = pages[0].extract_text(), pages[1].extract_text()
        # the whole summary on the first page — down to its last criterion and the one who
        # has not written — and nothing else: the table starts the second page
        assert "Summary" in first and "Per criterion" in first
        assert load_rubric(None).criteria[-1].name in " ".join(first.split())
        assert "No draft yet (1)" in first and "Ready to tell" in first
        assert "Per criterion" not in second and "no draft yet" in second
    finally:
        context.close()
