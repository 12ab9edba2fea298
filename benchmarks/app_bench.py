"""App benchmark in a real browser: prints numbers, asserts nothing.

    python benchmarks/app_bench.py            # human-readable
    python benchmarks/app_bench.py --json     # one JSON object

Measures, with Debian's headless Chromium driven by Playwright against ``streamlit run``:

* start-up: from launching ``streamlit run app.py`` to the health check answering, and to
  the first paint of the home page (its heading visible in the browser), on a fresh data
  directory;
* score and render a 400-word draft: from pressing Ctrl+Enter in the editor to the scores,
  highlighted evidence and coaching being on screen and the run finished. The first one
  includes loading the scorer and indexing the built-in guidance on a fresh data
  directory (once per installation); the rest are warm, each a different text (no cache).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT))

from e2e_support import AppServer, launch_chromium, why_no_browser  # noqa: E402

from coach.coaching.examples import EXAMPLE_DRAFT  # noqa: E402

EXTRA = (
    "Since then I have met porters, cleaners and nurses on every ward who have their own "
    "Mr Okafor. Some of them told me they stopped reporting long waits because nothing "
    "changed. Last month we started meeting in the canteen after the night shift, and each "
    "week a few more people come. We bring the numbers, but we also bring the names, because "
    "the board remembers a person long after it forgets a percentage. We have learned to "
    "listen first and to ask each new person what they saw and what they want to change."
)


def draft_of(words: int, take: int) -> str:
    text = EXAMPLE_DRAFT.replace("Three winters ago", f"Three winters ago (take {take})")
    text = text.rstrip() + "\n\n" + EXTRA
    cut = text.split(" ")
    return " ".join(cut[:words]) if len(cut) > words else text


RUNNING = "document.querySelector('[data-testid=\"stStatusWidget\"]')"


def finished(page, timeout_ms: int = 180_000) -> None:
    page.wait_for_function(f"!{RUNNING}", timeout=timeout_ms, polling=50)


def score_once(page, text: str, take: int) -> float:
    """Seconds from Ctrl+Enter until this text's evidence and coaching are on screen."""
    editor = page.get_by_role("textbox", name="Your draft")
    editor.fill(text)
    started = time.perf_counter()
    editor.press("Control+Enter")
    page.locator(".nc-draft", has_text=f"(take {take})").wait_for(state="visible", timeout=180_000)
    finished(page)
    page.locator("mark.nc-evidence").first.wait_for(state="visible")
    plan = page.get_by_text(re.compile(r"^(Your next fixes|Ready to tell)"))  # the plan
    plan.first.wait_for(state="visible")
    return time.perf_counter() - started


def run(takes: int) -> dict:
    from playwright.sync_api import sync_playwright

    results: dict = {"draft_words": 400}
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as folder, sync_playwright() as pw:
        browser = launch_chromium(pw)  # launched first: its start-up is not the app's
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        server = AppServer(Path(folder) / "data", Path(folder) / "streamlit.log")
        try:
            results["startup_health_s"] = round(server.wait_healthy(), 2)
            page.goto(server.url)
            page.get_by_role("heading", name="Write & score").wait_for(state="visible")
            results["startup_first_paint_s"] = round(time.monotonic() - server.started, 2)
            finished(page)
            page.get_by_role("button", name="New draft").click()
            finished(page)
            results["score_render_cold_s"] = round(score_once(page, draft_of(400, 0), 0), 2)
            warm = [score_once(page, draft_of(400, t), t) for t in range(1, takes + 1)]
            results["score_render_warm_s"] = {
                "n": len(warm),
                "p50": round(statistics.median(warm), 3),
                "min": round(min(warm), 3),
                "max": round(max(warm), 3),
            }
        finally:
            server.stop()
            browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--takes", type=int, default=5, help="warm scorings to time")
    args = parser.parse_args()
    reason = why_no_browser()
    if reason:
        print(f"app benchmark skipped: {reason}", file=sys.stderr)
        return 2
    results = run(args.takes)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    warm = results["score_render_warm_s"]
    print("measure                                              result")
    print(f"streamlit run -> health check ok                     {results['startup_health_s']} s")
    print(
        f"streamlit run -> home page painted in Chromium       {results['startup_first_paint_s']} s"
    )
    print(
        f"score + render a 400-word draft, first (cold)        {results['score_render_cold_s']} s"
    )
    print(
        f"score + render a 400-word draft, warm p50 (n={warm['n']})    {warm['p50']} s "
        f"(min {warm['min']}, max {warm['max']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
