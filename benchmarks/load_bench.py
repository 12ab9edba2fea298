"""A workshop under load: 50 participants writing, saving and scoring for two minutes.

    python benchmarks/load_bench.py                      # a temporary PostgreSQL, 50 x 120 s
    python benchmarks/load_bench.py --participants 10 --seconds 20   # a quick look
    python benchmarks/load_bench.py --sqlite --json

Loopback only, bounded by ``--seconds``. The scorer is warmed by one draft first (a replica
that has served a request); participants start within two seconds of each other. One process plays one app replica serving every
participant's session (as Streamlit does, one thread each): each joins the workshop with its
code, then loops — type a little more, autosave (about every 2 s), and every fifth save score
and coach the draft and store the report with the version, as the Write page does. Reported:
p50/p95/max latency of saves and of scoring, errors, and whether every acknowledged save is in
the database afterwards (nothing lost).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))  # pgtemp: test tooling, not shipped

from argon2 import PasswordHasher, profiles  # noqa: E402

SENTENCES = [
    "Last winter the heating in our block failed for three weeks.",
    "One night I found Mrs Adeyemi wrapped in two coats in her kitchen.",
    "I decided I would not wait for the landlord, and I knocked on every door.",
    "Twelve families signed a letter, and two weeks later the boiler was replaced.",
    "We believe every family deserves a warm home.",
    "The housing board decides the repair budget on 3 March.",
    "Come with me to the board meeting at 6 pm on 3 March, and bring one neighbour.",
]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def participant(number: int, env: dict, until: float, results: dict, lock: threading.Lock):
    from coach.coaching.coached import coach_text
    from coach.scoring.pipeline import score_text

    access, drafts, scorer = env["access"], env["drafts"], env["scorer"]
    rng = random.Random(number)
    saves, scores, errors, acknowledged = [], [], [], []
    try:
        actor = access.join(env["code"], f"Participant {number}").actor
    except Exception as exc:  # noqa: BLE001 — an error is a finding, counted below
        with lock:
            results["errors"].append(f"join: {type(exc).__name__}: {exc}")
        return
    text, draft_id, count = "", None, rng.randrange(5)  # people do not all score at once
    time.sleep(rng.uniform(0, 2))
    while time.monotonic() < until:
        text = (text + " " + rng.choice(SENTENCES)).strip()
        started = time.perf_counter()
        try:
            version = drafts.save_draft(
                actor, f"Story {number}", text, "narrative", draft_id=draft_id
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(f"save: {type(exc).__name__}: {exc}")
            continue
        saves.append(time.perf_counter() - started)
        draft_id = version.draft_id
        acknowledged.append(version.id)
        count += 1
        if count % 5 == 0:
            started = time.perf_counter()
            try:
                report = score_text(text, scorer)
                coached = coach_text(report, scorer, text)
                drafts.attach_report(actor, version.id, coached.to_dict(), rubric_version="load")
            except Exception as exc:  # noqa: BLE001
                errors.append(f"score: {type(exc).__name__}: {exc}")
            else:
                scores.append(time.perf_counter() - started)
        time.sleep(max(0.0, rng.uniform(1.5, 2.5) - (time.perf_counter() - started)))
    with lock:
        results["saves"] += saves
        results["scores"] += scores
        results["errors"] += errors
        results["acknowledged"][number] = (actor, acknowledged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from coach.coaching.coached import coach_text
    from coach.scoring.pipeline import build_scorer
    from coach.settings import Settings
    from coach.storage import Access, Database, Drafts
    from coach.text.draft import make_draft

    scratch = tempfile.TemporaryDirectory()
    server = None
    if args.sqlite:
        url = f"sqlite:///{scratch.name}/coach.db"
    else:
        from pgtemp import TempPostgres, why_unavailable

        if reason := why_unavailable():
            sys.exit(f"no PostgreSQL: {reason} (or run with --sqlite)")
        server = TempPostgres(durable=True).start()
        url = server.create_database("load")
    db = Database(url)
    access = Access(
        db, hasher=PasswordHasher.from_parameters(profiles.CHEAPEST), code_key=b"load-bench"
    )
    trainer = access.create_trainer("tess@example.org", "a long trainer password")
    code = access.create_workshop(trainer, "Load test").join_code
    scorer = build_scorer(Settings())
    first = " ".join(SENTENCES)  # a replica that has served one request
    coach_text(scorer.score(make_draft(first)), scorer, first)
    env = {"access": access, "drafts": Drafts(db), "scorer": scorer, "code": code}
    results: dict = {"saves": [], "scores": [], "errors": [], "acknowledged": {}}
    lock = threading.Lock()
    until = time.monotonic() + args.seconds
    threads = [
        threading.Thread(target=participant, args=(n, env, until, results, lock))
        for n in range(args.participants)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    lost = 0
    for actor, acknowledged in results["acknowledged"].values():
        for version_id in acknowledged:
            try:
                env["drafts"].get_version(actor, version_id)
            except Exception:  # noqa: BLE001
                lost += 1
    summary = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "participants": args.participants,
        "seconds": round(elapsed, 1),
        "saves": len(results["saves"]),
        "save_p50_ms": round(1000 * statistics.median(results["saves"] or [0]), 1),
        "save_p95_ms": round(1000 * percentile(results["saves"], 0.95), 1),
        "save_max_ms": round(1000 * max(results["saves"] or [0]), 1),
        "scores": len(results["scores"]),
        "score_p50_ms": round(1000 * statistics.median(results["scores"] or [0]), 1),
        "score_p95_ms": round(1000 * percentile(results["scores"], 0.95), 1),
        "errors": len(results["errors"]),
        "error_kinds": sorted(set(e[:100] for e in results["errors"]))[:5],
        "acknowledged_saves": sum(len(a) for _, a in results["acknowledged"].values()),
        "lost": lost,
    }
    db.dispose()
    if server is not None:
        server.stop()
    scratch.cleanup()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:<20} {value}")
    sys.exit(1 if summary["errors"] or lost else 0)


if __name__ == "__main__":
    main()
