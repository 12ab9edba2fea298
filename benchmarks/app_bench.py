"""App benchmark in a real browser: prints numbers, asserts nothing.

    python benchmarks/app_bench.py            # human-readable
    python benchmarks/app_bench.py --json     # one JSON object
    python benchmarks/app_bench.py --takes 5 --rounds 3

Measures, with Debian's headless Chromium driven by Playwright against ``streamlit run``:

* start-up: from launching ``streamlit run app.py`` to the health check answering, and to
  the first paint of the home page (its heading visible in the browser), on a fresh data
  directory;
* score and render a 400-word draft: from pressing Ctrl+Enter in the editor to the scores,
  highlighted evidence and coaching being on screen and the run finished. The first one
  includes loading the scorer and indexing the built-in guidance on a fresh data
  directory (once per installation); the rest are warm, each a different text (no cache);
* page switch: with the last draft open and scored on Write & score, a click on each other
  page in the sidebar navigation in turn and back to Write & score, ``--rounds`` times; from
  the click until the new page's heading is visible, its script run is over and the running
  indicator is gone (p50 and max per page and overall; the target is 1 s). A run that a page
  starts again by itself within half a second is waited for and counted in the switch.

"The run is over" is Streamlit's own run state (``data-test-script-state`` on the app's root
element, which its own tests wait on). The running indicator alone cannot tell: Streamlit
shows it only once a run has lasted 0.5 s, so during a shorter run (most page switches) and
during the first half second of any run it is absent as if the run were over.
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


HOME = "Write & score"
#: The other pages, in the sidebar's order (app.py's st.Page titles, each page's st.title).
PAGES = ("Build my story", "Rehearse", "Workshop review", "Library", "Settings", "Account")
SETTLE_S = 0.5  # a run a page starts again by itself within this is part of the switch

RUN_STATE = "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState"
INDICATOR = "document.querySelector('[data-testid=\"stStatusWidget\"]')"


def timeout_error() -> type[Exception]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # not at import: --help

    return PlaywrightTimeout


class BenchError(Exception):
    """The app did not do what the benchmark drives it to do: one line for the person."""


def finished(page, timeout_ms: int = 180_000) -> None:
    """Until the script run is over (see the module docstring: not the running indicator)."""
    page.wait_for_function(f"{RUN_STATE} === 'notRunning'", timeout=timeout_ms, polling=50)


def indicator_gone(page, timeout_ms: int = 10_000) -> None:
    """Until Streamlit's running indicator is off the page (at once if it was never shown)."""
    page.wait_for_function(f"!{INDICATOR}", timeout=timeout_ms, polling=50)


def reran(page, within_s: float) -> bool:
    """Whether another run starts within ``within_s`` (a page that reruns itself)."""
    try:
        page.wait_for_function(f"{RUN_STATE} !== 'notRunning'", timeout=within_s * 1000, polling=50)
    except timeout_error():
        return False
    return True


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


def switch_once(page, name: str) -> dict:
    """Click ``name`` in the sidebar navigation; seconds until its heading is visible, and
    until its run is over and the running indicator gone (with any run it starts itself)."""
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=name)
    try:
        link.wait_for(state="visible", timeout=10_000)
    except timeout_error():
        raise BenchError(f"no link {name!r} in the sidebar navigation (see app.py)") from None
    heading = page.get_by_role("heading", name=name, exact=True)
    started = time.perf_counter()
    link.click()
    try:
        heading.wait_for(state="visible", timeout=60_000)
    except timeout_error():
        raise BenchError(f"page {name!r} showed no heading {name!r} within 60 s") from None
    shown = time.perf_counter() - started
    reruns = -1
    while reruns < 0 or reran(page, SETTLE_S):
        reruns += 1
        finished(page, 60_000)
        indicator_gone(page)
        done = time.perf_counter() - started
    return {"heading": shown, "done": done, "reruns": reruns}


def spread(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def page_switches(page, rounds: int) -> dict:
    """Each other page and back to Write & score, ``rounds`` times (a draft open and scored)."""
    timings: dict[str, list[dict]] = {name: [] for name in (*PAGES, HOME)}
    for _ in range(rounds):
        for name in PAGES:
            timings[name].append(switch_once(page, name))
            timings[HOME].append(switch_once(page, HOME))
    every = [t for name in timings for t in timings[name]]
    return {
        "rounds": rounds,
        "pages": {
            name: {
                **spread([t["done"] for t in times]),
                "heading_p50": round(statistics.median(t["heading"] for t in times), 3),
                "reruns": sum(t["reruns"] for t in times),
            }
            for name, times in timings.items()
        },
        "overall": {
            **spread([t["done"] for t in every]),
            "over_1s": sum(t["done"] > 1.0 for t in every),
        },
    }


def run(takes: int, rounds: int) -> dict:
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
            if rounds > 0:
                results["page_switch_s"] = page_switches(page, rounds)
        finally:
            server.stop()
            browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table"
    )
    parser.add_argument("--takes", type=int, default=5, help="warm scorings to time")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of page switches: each of the 6 other pages and back to Write & score "
        "(0: none)",
    )
    args = parser.parse_args()
    reason = why_no_browser()
    if reason:
        print(f"app benchmark skipped: {reason}", file=sys.stderr)
        return 2
    try:
        results = run(args.takes, args.rounds)
    except BenchError as exc:
        print(f"app benchmark failed: {exc}", file=sys.stderr)
        return 1
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
    switches = results.get("page_switch_s")
    if switches:
        print(
            f"page switch: click -> heading shown and run over, {switches['rounds']} rounds "
            "(target 1 s)"
        )
        for name, got in switches["pages"].items():
            again = f", reran itself {got['reruns']}x" if got["reruns"] else ""
            print(
                f"  to {name:<16} p50 {got['p50']:.2f} s  max {got['max']:.2f} s   "
                f"(heading p50 {got['heading_p50']:.2f} s, n={got['n']}{again})"
            )
        every = switches["overall"]
        label = f"overall (n={every['n']})"
        print(
            f"  {label:<19} p50 {every['p50']:.2f} s  "
            f"max {every['max']:.2f} s   ({every['over_1s']} over 1 s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
