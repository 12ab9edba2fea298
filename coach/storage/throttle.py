"""Slow down failed logins and join attempts, counted in the database.

Counting in the database (not in memory) is what makes the limit hold when several app
processes share one PostgreSQL: a guesser cannot spread attempts over replicas. Keys are
strings such as ``"login:ana@example.org:203.0.113.9"`` or ``"join:203.0.113.9"``.

Back-off, not lock-out: the first ``max_failures`` failures of a key in the window cost
nothing; after that each attempt waits twice as long as the last (2 s, 4 s, 8 s …) up to a
cap. A room on one Wi-Fi whose member mistyped the join code waits seconds, not fifteen
minutes, while a guesser's rate falls off exponentially. A key may carry its own allowance
(:class:`Limit`), e.g. a generous account-wide one with a short cap, so that guesses from
elsewhere cannot keep a trainer out for long.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from coach.storage.errors import RateLimited
from coach.storage.models import AuthFailure


@dataclass(frozen=True)
class Limit:
    """A key with its own allowance: ``free`` failures before any wait, waits up to ``cap``."""

    key: str
    free: int
    cap: timedelta


class Throttle:
    """Per key: ``max_failures`` free failures within ``window``, then doubling waits."""

    def __init__(
        self,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=15),
        first_wait: timedelta = timedelta(seconds=2),
        cap: timedelta = timedelta(minutes=15),
    ) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        self.max_failures = max_failures
        self.window = window
        self.first_wait = first_wait
        self.cap = cap

    def check(self, session: Session, keys: Iterable[str | Limit], now: datetime) -> None:
        """Raise RateLimited when any key must still wait after its latest failure."""
        limits = {k.key: k for k in (self._limit(key) for key in keys)}
        if not limits:
            return
        query = (
            select(AuthFailure.key, func.count(), func.max(AuthFailure.at))
            .where(AuthFailure.key.in_(limits), AuthFailure.at > now - self.window)
            .group_by(AuthFailure.key)
        )
        for key, count, latest in session.execute(query):
            wait = self.wait_after(count, limits[key])
            left = (latest + wait - now).total_seconds() if wait else 0
            if left > 0:
                raise RateLimited(_message(left), retry_after_s=max(1, math.ceil(left)))

    def wait_after(self, failures: int, limit: Limit) -> timedelta:
        """How long the next attempt must wait after this many recent failures."""
        if failures < limit.free:
            return timedelta(0)
        doublings = min(failures - limit.free, 30)
        return min(self.first_wait * (2**doublings), limit.cap)

    def charge(self, session: Session, keys: Iterable[str | Limit], now: datetime) -> list[int]:
        """Check the keys and count this attempt as a failure up front, in one transaction;
        returns the rows to :meth:`refund` if the attempt succeeds.

        Counting before the password is checked is what makes the allowance hold when many
        processes try at once: each sees the attempts of those that went before it (SQLite
        writers queue; on PostgreSQL an advisory lock per key orders them).
        """
        limits = [self._limit(key) for key in keys]
        if not limits:
            return []
        if session.get_bind().dialect.name == "postgresql":
            for key in sorted({limit.key for limit in limits}):
                session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
        self.check(session, limits, now)
        rows = [AuthFailure(key=limit.key, at=now) for limit in limits]
        session.add_all(rows)
        session.flush()
        session.execute(delete(AuthFailure).where(AuthFailure.at <= now - self.window))
        return [row.id for row in rows]

    def refund(self, session: Session, charged: Iterable[int]) -> None:
        """Take back the failures charged to an attempt that succeeded."""
        ids = list(charged)
        if ids:
            session.execute(delete(AuthFailure).where(AuthFailure.id.in_(ids)))

    def record_failure(self, session: Session, keys: Iterable[str | Limit], now: datetime) -> None:
        session.add_all(AuthFailure(key=self._limit(key).key, at=now) for key in keys)
        # Keep the table small: anything older than the window no longer counts.
        session.execute(delete(AuthFailure).where(AuthFailure.at <= now - self.window))

    def clear(self, session: Session, key: str | Limit) -> None:
        session.execute(delete(AuthFailure).where(AuthFailure.key == self._limit(key).key))

    def _limit(self, key: str | Limit) -> Limit:
        return key if isinstance(key, Limit) else Limit(key, self.max_failures, self.cap)


def _message(seconds: float) -> str:
    if seconds < 90:
        return f"too many failed attempts; try again in {max(1, math.ceil(seconds))} seconds"
    return f"too many failed attempts; try again in about {math.ceil(seconds / 60)} minutes"
