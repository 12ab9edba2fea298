"""Code that runs in other processes during the storage tests.

* ``python storage_workers.py write URL ROUND`` saves drafts forever and prints one line per
  acknowledged (committed) save: ``version_id draft_id number sha256``. The durability test
  kills it with SIGKILL at a random moment.
* :func:`save_many` is the body of each process in the concurrency test (multiprocessing,
  spawn start method, so it must be importable).
* :func:`open_fresh` opens a database that may not exist yet, as app replicas starting together.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any


def text_for(round_no: int, i: int) -> str:
    # Sizes from a line to ~100 kB, so some saves take long enough to be killed midway.
    body = " ".join(f"w{round_no}.{i}.{j}" for j in range((i * 7919) % 12_000))
    return f"Round {round_no}, save {i}. {body}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write_forever(url: str, round_no: int) -> None:
    from coach.storage import Access, Database, Drafts

    db = Database(url)
    me = Access(db).local_actor()
    drafts = Drafts(db)
    draft_ids: list[int | None] = [None, None, None]
    i = 0
    while True:
        slot = i % len(draft_ids)
        text = text_for(round_no, i)
        version = drafts.save_draft(me, f"draft {slot}", text, "self", draft_id=draft_ids[slot])
        draft_ids[slot] = version.draft_id
        # Printed only after save_draft returned, i.e. after COMMIT: an acknowledged save.
        print(version.id, version.draft_id, version.number, digest(text), flush=True)
        i += 1


def save_many(url: str, token: str, draft_id: int | None, label: str, count: int, barrier: Any):
    """Save ``count`` new versions; returns (version_id, draft_id, number, text) per save."""
    from coach.storage import Access, Database, Drafts

    db = Database(url)
    try:
        actor = Access(db).resume(token)
        drafts = Drafts(db)
        barrier.wait(timeout=120)
        saved = []
        for i in range(count):
            text = f"{label} save {i}"
            version = drafts.save_draft(actor, label, text, "now", draft_id=draft_id)
            draft_id = version.draft_id
            saved.append((version.id, version.draft_id, version.number, text))
        return saved
    finally:
        db.dispose()


def open_fresh(url: str, barrier: Any) -> int:
    """Open (and so migrate) a database at the same moment as other processes."""
    from coach.storage import Access, Database

    barrier.wait(timeout=120)
    db = Database(url)
    try:
        return Access(db).local_actor().person_id
    finally:
        db.dispose()


def run_job(queue: Any, index: int, name: str, args: tuple[Any, ...]) -> None:
    """Process entry point: run ``name(*args)`` and put (index, ok, result or traceback)."""
    import traceback

    try:
        queue.put((index, True, globals()[name](*args)))
    except BaseException:
        queue.put((index, False, traceback.format_exc()))


def run_processes(jobs: list[tuple[str, tuple[Any, ...]]], ctx: Any) -> list[Any]:
    """Run each job in its own spawned process at once; results in job order."""
    queue = ctx.Queue()
    processes = [
        ctx.Process(target=run_job, args=(queue, index, name, args))
        for index, (name, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    results: dict[int, Any] = {}
    try:
        for _ in processes:
            index, ok, result = queue.get(timeout=300)
            if not ok:
                raise AssertionError(f"job {jobs[index][0]}#{index} failed:\n{result}")
            results[index] = result
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return [results[i] for i in range(len(jobs))]


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write_forever(sys.argv[2], int(sys.argv[3]))
