"""Start the real app (``streamlit run``) and a real headless Chromium for end-to-end tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from environment import child_env
from net import free_port
from sample_drafts import PARK_HOUSE
from servers import stop_process

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def why_no_browser() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
            "'python3 dev.py test' does it when run as root)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install playwright)"
    return None


def app_env(data_dir: Path) -> dict[str, str]:
    return child_env(COACH_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")


class AppServer:
    """``streamlit run app.py`` on 127.0.0.1 and a free port, stopped by ``stop()``."""

    def __init__(self, data_dir: Path, log: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(APP),
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env={**app_env(data_dir), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_healthy(self, timeout_s: float = 90) -> float:
        """Seconds from start until /_stcore/health answers ok."""
        deadline = self.started + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see log")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"streamlit did not become healthy in {timeout_s} s")

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()


def launch_chromium(playwright):
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


# -- what a person does on the Write page ---------------------------------------------------

DRAFT = PARK_HOUSE


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def settle(page, timeout_ms: int = 90_000) -> None:
    """Wait until the app has finished its run (Streamlit's own run state, no running
    indicator, no skeletons): a click during a run may land on an element being redrawn."""
    page.wait_for_function(
        "(() => { const root = document.querySelector('[data-test-script-state]');"
        " return (!root || root.getAttribute('data-test-script-state') === 'notRunning') && "
        "!document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "!document.querySelector('[data-testid=\"stSkeleton\"]'); })()",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(500)


def new_draft(page, app_url: str) -> None:
    page.goto(app_url)
    expect()(page.get_by_role("heading", name="Write & score")).to_be_visible()
    page.get_by_role("button", name="New draft").click()
    expect()(page.get_by_role("textbox", name="Your draft")).to_have_value("")


def set_title(page, title: str) -> None:
    box = page.get_by_role("textbox", name="Title")
    box.fill(title)
    box.press("Enter")
    settle(page)  # as a person would, who then moves on to the draft


def type_draft(page, text: str) -> None:
    editor = page.get_by_role("textbox", name="Your draft")
    editor.fill(text)
    editor.press("Control+Enter")


def write_and_score(page, app_url: str, title: str, text: str) -> None:
    """A new draft with this title and text, scored, the page at rest."""
    new_draft(page, app_url)
    set_title(page, title)
    type_draft(page, text)
    expect()(page.locator("mark.nc-evidence").first).to_be_visible(timeout=90_000)
    settle(page)
