"""How fast the storage layer is: autosaves per second, and exporting a 200-person workshop.

    python benchmarks/storage_bench.py                 # SQLite file + a temporary PostgreSQL
    python benchmarks/storage_bench.py --pg-url postgresql://user:pw@host/db   # your server
    python benchmarks/storage_bench.py --no-pg --json

Every save is durable as configured for production (SQLite: WAL + synchronous=FULL;
the temporary PostgreSQL keeps fsync on). "saves/s, N processes" runs N processes saving to
their own drafts at once, as app replicas would. Not a unit test: it prints numbers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))  # pgtemp: test tooling, not shipped

from argon2 import PasswordHasher, profiles  # noqa: E402
from pgtemp import TempPostgres, why_unavailable  # noqa: E402

from coach.storage import Access, Database, Drafts  # noqa: E402
from coach.storage.export import workshop_rows  # noqa: E402
from coach.workshops.exports import to_csv, to_json  # noqa: E402

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)  # setup speed; not what we measure
CRITERIA = ["challenge", "choice", "outcome", "hope", "call_to_action", "values", "specificity"]


def story(i: int, words: int = 300) -> str:
    return f"Version {i}. " + " ".join(f"word{(i * 31 + j) % 997}" for j in range(words))


def report(i: int) -> dict[str, Any]:
    return {
        "schema": "narrative-coach/report/v1",
        "overall": i % 101,
        "criteria": [
            {"id": c, "score": (i + k) % 3, "evidence": [{"start": 0, "end": 40, "text": "x" * 40}]}
            for k, c in enumerate(CRITERIA)
        ],
    }


def timed_saves(url: str, count: int) -> float:
    """Saves per second for one process editing five drafts in turn."""
    db = Database(url)
    try:
        drafts = Drafts(db)
        me = Access(db, hasher=CHEAP).local_actor()
        ids: list[int | None] = [None] * 5
        start = time.perf_counter()
        for i in range(count):
            v = drafts.save_draft(me, "bench", story(i), "self", draft_id=ids[i % 5])
            ids[i % 5] = v.draft_id
        return count / (time.perf_counter() - start)
    finally:
        db.dispose()


def _process_saves(args: tuple[str, str, int, Any]) -> tuple[float, float]:
    url, token, count, barrier = args
    db = Database(url)
    try:
        actor = Access(db, hasher=CHEAP).resume(token)
        drafts = Drafts(db)
        barrier.wait()
        start = time.perf_counter()
        draft_id = None
        for i in range(count):
            draft_id = drafts.save_draft(actor, "b", story(i), "self", draft_id=draft_id).draft_id
        return start, time.perf_counter()
    finally:
        db.dispose()


def _run(args: tuple[str, str, int, Any], queue: Any) -> None:
    queue.put(_process_saves(args))


def parallel_saves(url: str, processes: int, count: int) -> float:
    """Aggregate saves per second with ``processes`` participants saving at the same time."""
    with Database(url) as db:
        access = Access(db, hasher=CHEAP)
        trainer = access.create_trainer(f"par{time.time_ns()}@example.org", "x" * 12)
        code = access.create_workshop(trainer, "parallel").join_code
        tokens = [access.join(code, f"p{i}").token for i in range(processes)]
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(processes), ctx.Queue()
    workers = [
        ctx.Process(target=_run, args=((url, token, count, barrier), queue)) for token in tokens
    ]
    for worker in workers:
        worker.start()
    spans = [queue.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return processes * count / elapsed


def export_workshop(url: str, participants: int, versions: int) -> dict[str, float]:
    """Seconds to export a workshop of ``participants`` drafts (rows, CSV and JSON)."""
    with Database(url) as db:
        access, drafts = Access(db, hasher=CHEAP), Drafts(db)
        trainer = access.create_trainer(f"exp{time.time_ns()}@example.org", "x" * 12)
        new = access.create_workshop(trainer, "export")
        setup = time.perf_counter()
        for p in range(participants):
            actor = access.join(new.join_code, f"Participant {p:03d}").actor
            draft_id = None
            for n in range(versions):
                v = drafts.save_draft(actor, "story", story(p * 10 + n), "self", draft_id=draft_id)
                draft_id = v.draft_id
                drafts.attach_report(actor, v.id, report(p + n), rubric_version="default@1")
        setup = time.perf_counter() - setup
        timings: dict[str, list[float]] = {"rows": [], "csv": [], "json": []}
        for _ in range(3):
            start = time.perf_counter()
            rows = workshop_rows(db, trainer, new.workshop.id)
            timings["rows"].append(time.perf_counter() - start)
            for name, writer in (("csv", to_csv), ("json", lambda r: to_json(r, "bench"))):
                start = time.perf_counter()
                with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
                    out.write(writer(rows))
                timings[name].append(time.perf_counter() - start + timings["rows"][-1])
        assert len(rows) == participants
    return {
        "setup_s": round(setup, 2),
        "rows_s": round(statistics.median(timings["rows"]), 4),
        "csv_s": round(statistics.median(timings["csv"]), 4),
        "json_s": round(statistics.median(timings["json"]), 4),
    }


def bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "saves_per_s": round(timed_saves(url, args.saves), 1),
        f"saves_per_s_{args.processes}_processes": round(
            parallel_saves(url, args.processes, args.saves // args.processes), 1
        ),
        "export_200": export_workshop(url, args.participants, args.versions),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=400, help="saves per measurement")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--versions", type=int, default=3, help="versions per participant")
    parser.add_argument("--pg-url", help="an existing PostgreSQL database (it gets our tables)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = bench(f"sqlite:///{Path(tmp) / 'coach.db'}", args)
    if args.pg_url:
        results["postgresql"] = bench(args.pg_url, args)
    elif not args.no_pg:
        reason = why_unavailable()
        if reason:
            results["postgresql"] = {"skipped": reason}
        else:
            with TempPostgres(durable=True) as server:
                results["postgresql"] = bench(server.create_database("bench"), args)

    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    for backend, numbers in results.items():
        print(f"{backend}:")
        for key, value in numbers.items():
            print(f"  {key:<28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
