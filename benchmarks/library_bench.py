"""Source-library benchmark: prints numbers, asserts nothing.

    python benchmarks/library_bench.py              # human-readable
    python benchmarks/library_bench.py --json       # one JSON object
    python benchmarks/library_bench.py --pages 500  # a longer PDF (bounded-memory check)

Measures, each in a fresh temporary data directory (embedded Chroma):
* first-run index time of the built-in corpus (corpus/cards),
* ingestion of a generated N-page PDF (reportlab): pages/second and chunks/second,
* hybrid query latency p50/p95 over the retrieval check-set questions, after warm-up,
* ``coach ask`` on a fresh data directory: wall time of the whole command, start-up included,
* peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from coach.library.ingest import Ingester  # noqa: E402
from coach.library.retrieve import Retriever  # noqa: E402
from coach.settings import Settings  # noqa: E402
from coach.text.embeddings import Embedder  # noqa: E402

PROSE = (
    "Organisers build relationships one conversation at a time. They listen for the values "
    "people share, name the challenge they face together, and ask for one specific action. "
    "A campaign that only mobilises runs out of people; one that organises grows leaders. "
)


def make_pdf(path: Path, pages: int, lines_per_page: int = 40) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.setTitle("Generated handbook")
    words = (PROSE * 12).split()
    for number in range(1, pages + 1):
        y = 780
        pdf.drawString(60, y, f"Chapter {number}: notes from the workshop, page {number}.")
        row: list[str] = []
        lines = 1
        for word in words[(number * 7) % 20 :]:  # vary pages a little
            row.append(word)
            if len(" ".join(row)) > 85:
                y -= 18
                pdf.drawString(60, y, " ".join(row))
                row, lines = [], lines + 1
                if lines >= lines_per_page:
                    break
        pdf.showPage()
    pdf.save()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_ask_s(question: str) -> float:
    """Wall time of ``coach ask`` in a new process on a new, empty data directory."""
    import subprocess

    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "COACH_DATA_DIR": data}
        env.pop("COACH_CHROMA_URL", None)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "coach", "ask", question, "--k", "3"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        return round(time.perf_counter() - started, 2)


def run(pages: int, queries: int) -> dict:
    cold = [cold_ask_s("how do I make my ask specific?") for _ in range(3)]
    embedder = Embedder()
    embedder.embed(["warm up the model"])
    results: dict = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "embedding_model": embedder.model_id,
        "cold_ask_s": cold,
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        settings = Settings(data_dir=tmp_path / "data", corpus_dir=ROOT / "corpus")

        started = time.perf_counter()
        retriever = Retriever.from_settings(settings, embedder)
        sync = retriever.sync_corpus()
        results["corpus_first_index_s"] = round(time.perf_counter() - started, 2)
        results["corpus_cards"] = len(sync.added)
        started = time.perf_counter()
        Retriever.from_settings(settings, embedder).sync_corpus()
        results["corpus_resync_unchanged_ms"] = round((time.perf_counter() - started) * 1000, 1)

        pdf = tmp_path / "handbook.pdf"
        make_pdf(pdf, pages)
        ingester = Ingester(retriever.store, embedder)
        started = time.perf_counter()
        outcome = ingester.ingest(pdf)
        seconds = time.perf_counter() - started
        results.update(
            pdf_pages=outcome.pages,
            pdf_chunks=outcome.chunks,
            pdf_ingest_s=round(seconds, 2),
            pages_per_s=round(outcome.pages / seconds, 1),
            chunks_per_s=round(outcome.chunks / seconds, 1),
        )
        started = time.perf_counter()
        again = ingester.ingest(pdf)
        results["reingest_unchanged_ms"] = round((time.perf_counter() - started) * 1000, 1)
        assert again.status == "unchanged"

        questions_file = ROOT / "tests" / "data" / "retrieval_questions.jsonl"
        questions = [PROSE]
        if questions_file.exists():
            lines = questions_file.read_text(encoding="utf-8").splitlines()
            questions = [json.loads(line)["question"] for line in lines if line.strip()]
        started = time.perf_counter()
        retriever.search(questions[0], 5)  # rebuilds the BM25 index over cards + PDF
        results["first_query_after_change_ms"] = round((time.perf_counter() - started) * 1000, 1)
        timings = []
        for i in range(queries):
            started = time.perf_counter()
            retriever.search(questions[i % len(questions)], 5)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        results.update(
            query_n=queries,
            library_chunks=retriever.store.count(),
            hybrid_query_p50_ms=round(statistics.median(timings), 1),
            hybrid_query_p95_ms=round(timings[int(0.95 * (len(timings) - 1))], 1),
        )
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--pages", type=int, default=100, help="pages in the generated PDF")
    parser.add_argument("--queries", type=int, default=100, help="hybrid queries to time")
    args = parser.parse_args()
    results = run(args.pages, args.queries)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"built-in corpus, first index : {results['corpus_first_index_s']} s "
        f"({results['corpus_cards']} cards); unchanged re-sync "
        f"{results['corpus_resync_unchanged_ms']} ms"
    )
    print(
        f"{results['pdf_pages']}-page PDF ingest    : {results['pdf_ingest_s']} s, "
        f"{results['pages_per_s']} pages/s, {results['chunks_per_s']} chunks/s "
        f"({results['pdf_chunks']} chunks); unchanged re-ingest "
        f"{results['reingest_unchanged_ms']} ms"
    )
    print(
        f"hybrid query ({results['library_chunks']} chunks): "
        f"p50 {results['hybrid_query_p50_ms']} ms, p95 {results['hybrid_query_p95_ms']} ms "
        f"over {results['query_n']} queries"
    )
    print(f"coach ask, fresh data dir    : {results['cold_ask_s']} s (three runs, wall)")
    print(f"peak memory                  : {results['peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
