"""A real app server and a real headless Chromium for the browser tests (marked ``browser``).

One ``streamlit run`` per session on a copy of the seeded data directory (the built-in
library indexed beforehand, see tests/conftest.py); every test gets a new browser context,
i.e. a new app session. Skipped, with the reason, when Debian's chromium or Playwright is
missing — never a browser download.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import (
    ARTIFACTS,
    AppServer,
    copy_tree,
    launch_chromium,
    settle,
    why_no_browser,
)


@pytest.fixture(scope="session")
def app_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    reason = why_no_browser()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    seed = request.getfixturevalue("seeded_data_dir")  # only once we know the browser runs
    data = copy_tree(seed, tmp_path_factory.mktemp("e2e") / "data")
    ARTIFACTS.mkdir(exist_ok=True)
    server = AppServer(data, ARTIFACTS / "e2e-streamlit.log")
    try:
        server.wait_healthy()
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    if reason := why_no_browser():
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=45_000)  # the first run of a page loads models on 2 cores
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, app_url: str):
    """A fresh browser session on the app. Any request that leaves this machine (a font, an
    icon, telemetry) is refused and fails the test: the app must work offline."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    outside = []
    context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"), refuse(outside))
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()
    assert not outside, f"the page asked for outside resources: {outside}"


def refuse(seen: list[str]):
    def handle(route) -> None:
        if route.request.url.startswith(("data:", "blob:")):
            route.continue_()
            return
        seen.append(route.request.url)
        route.abort()

    return handle


@pytest.fixture
def shot():
    """Save a screenshot of the whole page under test-artifacts/ (for a person to look at).

    Streamlit scrolls inside its main container, so the viewport is stretched to the
    content's height first; the app is left to finish running before the picture.
    """

    def save(page, name: str) -> Path:
        settle(page)
        height = page.evaluate(
            "Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))"
        )
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
        settle(page)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(size)
        return path

    return save
