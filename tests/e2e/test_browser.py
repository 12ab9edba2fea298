"""End to end in a real headless Chromium against ``streamlit run``: what a person sees.

Screenshots land in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

DRAFT = (
    "Last winter the heating in our block failed for three weeks. One night I found my "
    "neighbour Mrs Adeyemi wrapped in two coats in her kitchen. I decided I would not wait "
    "for the landlord: I knocked on every door on the fourth floor, and twelve families signed "
    "a letter. Two weeks later the boiler was replaced. I learned that together we are heard.\n\n"
    "We are the tenants of Park House, and we believe every family deserves a warm home. The "
    "housing board decides the repair budget on 3 March. If forty of us come, they will have "
    "to answer us. Come with me to the board meeting at 6 pm on 3 March, and bring one neighbour."
)
HOSTILE = (
    "<script>window.__pwned=1</script> My story starts here.\n\n"
    '<img src=x onerror="window.__pwned=1"> We meet on Friday at 6 pm.'
)


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def new_draft(page, app_url: str) -> None:
    page.goto(app_url)
    expect()(page.get_by_role("heading", name="Write & score")).to_be_visible()
    page.get_by_role("button", name="New draft").click()
    expect()(page.get_by_role("textbox", name="Your draft")).to_have_value("")


def type_draft(page, text: str) -> None:
    editor = page.get_by_role("textbox", name="Your draft")
    editor.fill(text)
    editor.press("Control+Enter")


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
    title = page.get_by_role("textbox", name="Title")
    title.fill('<img src=x onerror="window.__pwned=1">')
    title.press("Enter")
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
