"""Rate-limit failed logins and join attempts, counted in the database.

Counting in the database (not in memory) is what makes the limit hold when several app
processes share one PostgreSQL: a guesser cannot spread attempts over replicas. Keys are
strings such as ``"login:ana@example.org"`` or ``"client:203.0.113.9"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coach.storage.errors import RateLimited
from coach.storage.models import AuthFailure


class Throttle:
    """At most ``max_failures`` failures per key within a sliding ``window``."""

    def __init__(self, max_failures: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        self.max_failures = max_failures
        self.window = window

    def check(self, session: Session, keys: Iterable[str], now: datetime) -> None:
        """Raise RateLimited when any key already used up its failures in the window."""
        keys = list(keys)
        if not keys:
            return
        since = now - self.window
        query = (
            select(AuthFailure.key, func.count(), func.min(AuthFailure.at))
            .where(AuthFailure.key.in_(keys), AuthFailure.at > since)
            .group_by(AuthFailure.key)
        )
        for _key, count, oldest in session.execute(query):
            if count >= self.max_failures:
                retry = max(1, math.ceil((oldest + self.window - now).total_seconds()))
                minutes = max(1, math.ceil(retry / 60))
                raise RateLimited(
                    f"too many failed attempts; try again in about {minutes} minute(s)",
                    retry_after_s=retry,
                )

    def record_failure(self, session: Session, keys: Iterable[str], now: datetime) -> None:
        session.add_all(AuthFailure(key=key, at=now) for key in keys)
        # Keep the table small: anything older than the window no longer counts.
        session.execute(delete(AuthFailure).where(AuthFailure.at <= now - self.window))

    def clear(self, session: Session, key: str) -> None:
        session.execute(delete(AuthFailure).where(AuthFailure.key == key))
