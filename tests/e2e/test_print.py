"""The printable workshop report fits an A4 page and keeps its colours (real Chromium)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from coach.scoring.rubric import load_rubric
from coach.workshops.exports import to_html

pytestmark = pytest.mark.browser
A4_LANDSCAPE_CONTENT_PX = round((297 - 24) / 25.4 * 96)  # 12 mm margins, 96 px an inch


def workshop_rows() -> list[dict]:
    """Two participants scored on every criterion of the built-in rubric (its longest names)."""
    criteria = load_rubric(None).criteria
    rows = []
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
                "comments": [],
            }
        )
    return rows


def test_the_printable_report_fits_a4_and_prints_its_colours(browser) -> None:
    context = browser.new_context(viewport={"width": A4_LANDSCAPE_CONTENT_PX, "height": 800})
    page = context.new_page()
    try:
        page.set_content(to_html(workshop_rows(), "Spring cohort"))
        page.emulate_media(media="print")
        table = page.evaluate(
            "(() => { const t = document.querySelector('table');"
            " return [t.scrollWidth, t.clientWidth]; })()"
        )
        assert table[0] <= A4_LANDSCAPE_CONTENT_PX, f"table {table[0]} px wide"
        adjust = page.evaluate(
            "getComputedStyle(document.querySelector('td')).printColorAdjust"
            " || getComputedStyle(document.querySelector('td')).webkitPrintColorAdjust"
        )
        assert adjust == "exact"
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        pages = PdfReader(io.BytesIO(pdf)).pages
        assert len(pages) == 3  # the table, then one page per participant
        width, height = (float(v) for v in pages[0].mediabox.upper_right)
        assert abs(width - 842) < 2 and abs(height - 595) < 2  # A4 landscape, in points
    finally:
        context.close()
