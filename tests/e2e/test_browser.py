"""End to end in a real headless Chromium against ``streamlit run``: what a person sees.

Screenshots land in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from e2e_support import DRAFT, expect, new_draft, set_title, type_draft

pytestmark = pytest.mark.browser

HOSTILE = (
    "<script>window.__pwned=1</script> My story starts here, on the night the heating failed "
    "in our block.\n\n"
    '<img src=x onerror="window.__pwned=1"> We meet on Friday at 6 pm. Bring a neighbour.'
)


def test_paste_a_draft_and_see_scores_with_highlighted_evidence(page, app_url, shot):
    new_draft(page, app_url)
    type_draft(page, DRAFT)
    evidence = page.locator("mark.nc-evidence")
    expect()(evidence.first).to_be_visible(timeout=90_000)
    assert evidence.count() >= 3
    expect()(page.get_by_text("Scores per criterion")).to_be_visible()
    expect()(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    plan = page.get_by_text(re.compile(r"^(Your next fixes|Ready to tell)"))
    expect()(plan.first).to_be_visible()
    shot(page, "write-score")


def test_hostile_draft_renders_as_text(page, app_url, shot):
    new_draft(page, app_url)
    set_title(page, '<img src=x onerror="window.__pwned=1">')
    type_draft(page, HOSTILE)
    shown = page.locator(".nc-draft")
    expect()(shown).to_contain_text("<script>window.__pwned=1</script>", timeout=90_000)
    expect()(shown).to_contain_text('<img src=x onerror="window.__pwned=1">')
    editing = page.locator('[data-testid="stCaptionContainer"]', has_text="Editing")
    expect()(editing).to_contain_text('Editing <img src=x onerror="window.__pwned=1"> · version 1')
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert shown.locator("script, img").count() == 0
    shot(page, "hostile-draft")
    page.reload()  # nothing is lost: the same draft comes back from the database
    expect()(page.locator(".nc-draft")).to_contain_text(
        "We meet on Friday at 6 pm.", timeout=90_000
    )
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_upload_two_files_in_workshop_review_and_see_the_table(page, app_url, shot):
    page.goto(f"{app_url}/review")
    expect()(page.get_by_role("heading", name="Workshop review")).to_be_visible()
    files = [
        {"name": "ana.txt", "mimeType": "text/plain", "buffer": DRAFT.encode()},
        {
            "name": "bilal.md",
            "mimeType": "text/markdown",
            "buffer": b"When I started as a care worker I had fifteen minutes per visit. "
            b"I chose to stay with Mr Hale. Join us at the union meeting on Thursday at 6 pm.",
        },
    ]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files)
    expect()(page.get_by_text("2 of 2 participants")).to_be_visible(timeout=90_000)
    expect()(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    shot(page, "workshop-review")


def test_every_page_draws(page, app_url, shot):
    """A tour for the screenshots: each page opens without an error message."""
    for path, heading in [
        ("build", "Build my story"),
        ("rehearse", "Rehearse"),
        ("library", "Library"),
        ("settings", "Settings"),
        ("account", "Account"),
    ]:
        page.goto(f"{app_url}/{path}")
        # the first visit of a page may load models or index the corpus on a busy machine
        title = page.get_by_role("heading", name=heading, exact=True)
        expect()(title).to_be_visible(timeout=120_000)
        shot(page, f"page-{path}")
        assert page.locator('[data-testid="stException"]').count() == 0
