"""The rehearsal stage in a real browser: a large clock, keyboard stepping, text as text."""

from __future__ import annotations

import pytest
from e2e_support import expect, new_draft, set_title, type_draft

pytestmark = pytest.mark.browser

STORY = (
    '<img src=x onerror="window.__pwned=1"> The night the clinic closed, I stood outside.\n\n'
    "I chose to knock on every door on our street.\n\n"
    "Come to the town hall on Tuesday at 7 pm."
)


def test_the_stage_steps_with_the_keyboard_and_its_clock_runs(page, app_url, shot):
    new_draft(page, app_url)
    set_title(page, "Stage test")
    type_draft(page, STORY)
    expect()(page.locator("mark.nc-evidence").first).to_be_visible(timeout=90_000)
    page.get_by_role("link", name="Rehearse").click()
    expect()(page.get_by_role("heading", name="Rehearse", exact=True)).to_be_visible()
    page.get_by_label("Draft", exact=True).click()  # other tests' drafts share this server
    page.get_by_role("option", name="Stage test").click()
    page.get_by_text("Stage (keyboard, full screen)").click()
    frame = page.frame_locator("iframe[title='st.iframe']").first
    stage = frame.locator("#stage")
    expect()(stage).to_have_attribute("data-current", "0")
    expect()(frame.locator("#words p").first).to_contain_text(
        '<img src=x onerror="window.__pwned=1">'
    )
    assert frame.locator("#words img").count() == 0  # the draft's markup is text
    stage.click()
    stage.press("ArrowRight")
    expect()(stage).to_have_attribute("data-current", "1")
    stage.press("ArrowRight")
    stage.press("ArrowRight")  # past the end stays on the last paragraph
    expect()(stage).to_have_attribute("data-current", "2")
    stage.press("ArrowLeft")
    expect()(stage).to_have_attribute("data-current", "1")
    stage.press(" ")
    expect()(frame.locator("#clock")).not_to_have_text("0:00", timeout=5_000)
    expect()(frame.locator("#go")).to_have_text("Pause (Space)")
    shot(page, "rehearse-stage")
