"""Racing processes cannot exceed the allowance: each attempt is charged before the password
is checked (issue 15: 8 racing processes got 12 password checks against a limit of 5)."""

from __future__ import annotations

import multiprocessing

from storage_support import FAST_HASHER, PASSWORD

from coach.storage import Access, Database, Throttle
from coach.storage.errors import InvalidCredentials, RateLimited

RACERS = 8
ALLOWANCE = 3


def _attempt(url: str, start: multiprocessing.synchronize.Barrier, results) -> None:
    with Database(url) as db:
        access = Access(db, hasher=FAST_HASHER, throttle=Throttle(max_failures=ALLOWANCE))
        start.wait()
        try:
            access.login("trainer@example.org", "a wrong guess", client="203.0.113.9")
        except InvalidCredentials:
            results.put("checked")
        except RateLimited:
            results.put("held back")
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(f"error: {exc}")


def test_racing_guesses_get_no_more_checks_than_the_allowance(database_url: str, db) -> None:
    Access(db, hasher=FAST_HASHER).create_trainer("trainer@example.org", PASSWORD)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(RACERS), context.Queue()
    racers = [
        context.Process(target=_attempt, args=(database_url, start, results)) for _ in range(RACERS)
    ]
    for racer in racers:
        racer.start()
    outcomes = sorted(results.get(timeout=120) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
    assert outcomes == ["checked"] * ALLOWANCE + ["held back"] * (RACERS - ALLOWANCE)
