"""The rehearsal stage in a real browser: a large clock, keyboard stepping, words that scale,
and a report with the pace of each paragraph after a run."""

from __future__ import annotations

import re

import pytest
from e2e_support import expect, settle, write_and_score

pytestmark = pytest.mark.browser

STORY = (
    '<img src=x onerror="window.__pwned=1"> The night the clinic closed, I stood outside.\n\n'
    "I chose to knock on every door on our street.\n\n"
    "Come to the town hall on Tuesday at 7 pm."
)


def open_stage(page, app_url: str, title: str):
    write_and_score(page, app_url, title, STORY)
    page.get_by_role("link", name="Rehearse").click()
    expect()(page.get_by_role("heading", name="Rehearse", exact=True)).to_be_visible()
    page.get_by_label("Draft", exact=True).click()  # other tests' drafts share this server
    page.get_by_role("option", name=title).click()
    page.get_by_text("Stage (keyboard, full screen)").click()
    stage = page.locator("#stage")
    expect()(stage).to_be_visible()
    return stage


def test_the_stage_steps_with_the_keyboard_and_its_clock_runs(page, app_url, shot):
    stage = open_stage(page, app_url, "Stage test")
    expect()(stage).to_have_attribute("data-current", "0")
    expect()(page.locator("#words p").first).to_contain_text(
        '<img src=x onerror="window.__pwned=1">'
    )
    assert page.locator("#words img").count() == 0  # the draft's markup is text
    assert page.evaluate("window.__pwned") is None
    stage.click()
    stage.press("ArrowRight")
    expect()(stage).to_have_attribute("data-current", "1")
    stage.press("ArrowRight")
    stage.press("ArrowRight")  # past the end stays on the last paragraph
    expect()(stage).to_have_attribute("data-current", "2")
    stage.press("ArrowLeft")
    expect()(stage).to_have_attribute("data-current", "1")
    stage.press(" ")
    expect()(page.locator("#clock")).not_to_have_text("0:00", timeout=5_000)
    expect()(page.locator("#go")).to_have_text("Pause (Space)")
    shot(page, "rehearse-stage")


def font_px(page) -> float:
    return page.locator("#words p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")


def test_text_size_changes_the_size_of_the_words_themselves(page, app_url):
    stage = open_stage(page, app_url, "Stage size")
    assert font_px(page) == 40
    stage.click()
    stage.press(" ")  # the clock runs while the size changes
    stage.press("ArrowRight")
    page.get_by_role("button", name="Text size and target").click()
    slider = page.get_by_role("slider", name="Text size")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")  # 2 px a step
    expect()(page.locator("#words")).to_have_css("font-size", "50px")
    assert font_px(page) == 50
    expect()(stage).to_have_attribute("data-current", "1")  # the rerun kept the run going
    expect()(page.locator("#go")).to_have_text("Pause (Space)")


def test_on_a_phone_the_words_start_on_the_first_screen(browser, app_url):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    try:
        write_and_score(page, app_url, "Phone story", STORY)
        page.goto(app_url + "/rehearse")
        page.get_by_label("Draft", exact=True).click()
        page.get_by_role("option", name="Phone story").click()
        prompter = page.locator(".nc-prompter")
        expect()(prompter).to_be_visible()
        settle(page)
        assert prompter.evaluate("p => p.getBoundingClientRect().top") < 844 - 120
    finally:
        phone.close()


def test_after_a_run_the_report_gives_the_pace_of_each_paragraph(page, app_url, shot):
    stage = open_stage(page, app_url, "Stage run")
    page.clock.install()  # the stage reads Date.now(): the test moves time on, not waits
    stage.click()
    stage.press(" ")
    for paragraph in range(3):
        page.clock.run_for(8_000)  # eight seconds on each paragraph
        stage.press("ArrowRight" if paragraph < 2 else "e")
    report = page.locator(".st-key-stage-report")
    expect()(report).to_be_visible()
    expect()(report).to_contain_text("Your last run")
    expect()(report).to_contain_text("Under time")
    rows = report.locator("table tbody tr")
    expect()(rows).to_have_count(3)
    # Eight seconds on each paragraph, as the test moved the clock; Playwright's installed clock
    # also flows with real time, so a key handled slowly on a busy machine can add a tenth.
    for row in range(3):
        expect()(rows.nth(row)).to_contain_text(re.compile(r"8\.[01]"))
    expect()(stage).to_have_attribute("data-current", "0")  # the stage is ready for another run
    expect()(page.locator("#clock")).to_have_text("0:00")
    shot(page, "rehearse-stage-report")
    expect()(page.get_by_text("Your timed runs and recordings")).to_have_count(0)  # saved
