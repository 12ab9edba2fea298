"""Scoring benchmark: prints numbers, asserts nothing.

    python benchmarks/scoring_bench.py            # human-readable
    python benchmarks/scoring_bench.py --json     # one JSON object

Measures p50/p95 latency of scoring ~100, ~400 and ~1,200-word drafts after warm-up (every
run starts with no remembered sentence vectors), of rescoring a 400-word draft after a
one-sentence edit (vectors of the unchanged sentences remembered), of a Spanish draft (the
multilingual model), drafts/second for a batch of 200 (two worker processes), peak memory
(RSS), the CLI's cold-start time, and a profile of where the time goes for a 400-word draft.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

PARAGRAPHS = [
    "Three years ago, on a night shift in February, I hung the wrong bag of potassium on 4 West.",
    "I stopped it after ninety seconds. Mr. Alvarez was fine, but I sat in the med room and shook.",
    "I almost didn't report it. So I filed the report, and I told my manager exactly what happened.",
    "Pharmacy moved the look-alike bags to a locked drawer within two weeks, and we learned why it "
    "matters to speak up.",
    "We are the nurses who cover each other's breaks, because every patient deserves a nurse with time.",
    "Imagine a hospital where reporting a near miss gets you a thank-you. 6 North has done it since "
    "last spring.",
    "Administration decides this month whether to fund the program, so come to the training on "
    "Tuesday, September 9, at 7:15 a.m. in Conference Room B.",
]


def make_draft(words: int) -> str:
    """A realistic draft of about ``words`` words, built by repeating varied paragraphs."""
    out, count, i = [], 0, 0
    while count < words:
        paragraph = PARAGRAPHS[i % len(PARAGRAPHS)]
        out.append(paragraph)
        count += len(paragraph.split())
        i += 1
    return "\n\n".join(out)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


SPANISH = (
    "Hace tres inviernos trabajaba de noche en el hospital San Telmo. Una madrugada encontré a "
    "don Aurelio, de ochenta y un años, en una camilla en el pasillo. Me agarró la manga y me "
    "preguntó si alguien sabía que estaba allí. Decidí anotar cada paciente que esperaba más de "
    "doce horas: fueron cuarenta y tres. Llevamos la lista a la dirección y abrieron una sala "
    "con seis enfermeras más. Vengan el jueves 14 a las 19 h a la asamblea del sindicato."
)


def _forget(scorer) -> None:
    if hasattr(scorer, "clear_cache"):
        scorer.clear_cache()


def _timed(scorer, texts: list[str], forget: bool) -> dict:
    from coach.scoring.pipeline import score_text

    timings = []
    for text in texts:
        if forget:
            _forget(scorer)
        start = time.perf_counter()
        score_text(text, scorer)
        timings.append((time.perf_counter() - start) * 1000)
    return {
        "words": len(texts[0].split()),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
    }


def latency(scorer, words: int, runs: int) -> dict:
    """A first score of the draft: no sentence vector remembered."""
    text = make_draft(words)
    _timed(scorer, [text] * 3, forget=True)
    return _timed(scorer, [text] * runs, forget=True)


def edit_latency(scorer, runs: int) -> dict:
    """Rescore a 400-word draft after changing one sentence (the editor's common case)."""
    from coach.scoring.pipeline import score_text

    text = make_draft(400)
    _forget(scorer)
    score_text(text, scorer)
    edited = [text.replace("Mr. Alvarez", f"Mr. Alvarez (bed {n})", 1) for n in range(runs)]
    return _timed(scorer, edited, forget=False)


def spanish_latency(scorer, runs: int) -> dict:
    _timed(scorer, [SPANISH], forget=True)  # loads the multilingual model once
    return _timed(scorer, [SPANISH] * runs, forget=True)


def batch(scorer, n: int) -> dict:
    from coach.workshops.review import ReviewItem, review

    items = [
        ReviewItem(f"draft-{i}", f"draft-{i}", make_draft(150 + (i % 7) * 60)) for i in range(n)
    ]
    start = time.perf_counter()
    rows = review(items, scorer, workers=2)
    elapsed = time.perf_counter() - start
    assert all(r.report is not None for r in rows)
    return {"drafts": n, "seconds": round(elapsed, 2), "drafts_per_s": round(n / elapsed, 1)}


def cli_cold_start() -> dict:
    draft = make_draft(400)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "coach", "score", "-", "--format", "json"],
            input=draft.encode(),
            check=True,
            capture_output=True,
        )
        timings.append(time.perf_counter() - start)
    help_start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "coach", "--help"], check=True, capture_output=True)
    return {
        "score_400_words_s": round(statistics.median(timings), 2),
        "help_s": round(time.perf_counter() - help_start, 2),
    }


def profile(scorer, words: int = 400, top: int = 12) -> str:
    from coach.scoring.pipeline import score_text

    text = make_draft(words)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        score_text(text, scorer)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(top)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per draft size")
    parser.add_argument("--batch", type=int, default=200, help="drafts in the batch test")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    from coach.scoring.pipeline import build_scorer

    start = time.perf_counter()
    scorer = build_scorer()
    results: dict = {"scorer_build_s": round(time.perf_counter() - start, 2)}
    results["latency"] = [latency(scorer, words, args.runs) for words in (100, 400, 1200)]
    results["edit_rescore"] = edit_latency(scorer, args.runs)
    results["spanish"] = spanish_latency(scorer, max(5, args.runs // 3))
    results["batch"] = batch(scorer, args.batch)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["cli_cold_start"] = cli_cold_start()
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"scorer build (rubric, weights, embedding model): {results['scorer_build_s']} s")
    for row in results["latency"]:
        print(
            f"score {row['words']:>5} words: p50 {row['p50_ms']:>7} ms   p95 {row['p95_ms']:>7} ms"
        )
    e, es = results["edit_rescore"], results["spanish"]
    print(
        f"rescore 400 words after a one-sentence edit: p50 {e['p50_ms']} ms   p95 {e['p95_ms']} ms"
    )
    print(f"score {es['words']} Spanish words (multilingual e5): p50 {es['p50_ms']} ms")
    b = results["batch"]
    print(f"batch of {b['drafts']}: {b['seconds']} s ({b['drafts_per_s']} drafts/s, 2 workers)")
    print(f"peak RSS (this process): {results['peak_rss_mb']} MB")
    c = results["cli_cold_start"]
    print(
        f"CLI cold start: score a 400-word draft {c['score_400_words_s']} s; --help {c['help_s']} s"
    )
    if not args.no_profile:
        print("\nwhere the time goes (400-word draft, 20 runs, cumulative):")
        print(profile(scorer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
