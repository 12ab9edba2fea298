"""Small helpers shared by the storage tests (imported by name; pytest puts this dir on path)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher, profiles

HERE = Path(__file__).resolve().parent
# Tests check the logic, not argon2's cost: hash with the cheapest parameters.
FAST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
PASSWORD = "correct horse battery"
WORKER_SCRIPT = [sys.executable, str(HERE / "storage_workers.py")]


class Clock:
    """A clock the test moves by hand (sessions expiring, rate-limit windows passing)."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
