"""Fixtures: every storage test runs twice, on a real SQLite file and a real PostgreSQL.

The PostgreSQL server is started once per test session on 127.0.0.1 (a free port, a fresh
cluster in a temp dir) and stopped at the end; each test gets its own database in it. When
PostgreSQL is not installed those runs are skipped with the reason, never silently passed.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from pgtemp import TempPostgres, why_unavailable
from storage_support import FAST_HASHER, PASSWORD, Clock

from coach.storage import Access, Actor, Database, Drafts, Throttle

HERE = Path(__file__).resolve().parent
_database_names = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TempPostgres]:
    reason = why_unavailable()
    if reason:
        pytest.skip(f"PostgreSQL runs skipped: {reason}; 'python dev.py test' installs it")
    server = TempPostgres(durable=False).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coach.db'}"
    server: TempPostgres = request.getfixturevalue("postgres_server")
    return server.create_database(f"test_{os.getpid()}_{next(_database_names)}")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def access(db: Database, clock: Clock) -> Access:
    throttle = Throttle(max_failures=3, window=timedelta(minutes=15))
    return Access(db, hasher=FAST_HASHER, clock=clock, throttle=throttle)


@pytest.fixture
def drafts(db: Database, clock: Clock) -> Drafts:
    return Drafts(db, clock=clock)


@dataclass
class WorkshopSetup:
    trainer: Actor
    workshop_id: int
    join_code: str
    ana: Actor
    ben: Actor
    ana_key: str


@pytest.fixture
def workshop(access: Access) -> WorkshopSetup:
    """A trainer's workshop with two participants, Ana and Ben."""
    trainer = access.create_trainer("trainer@example.org", PASSWORD, name="Tess Trainer")
    new = access.create_workshop(trainer, "Spring cohort")
    ana = access.join(new.join_code, "Ana")
    ben = access.join(new.join_code, "Ben")
    return WorkshopSetup(
        trainer, new.workshop.id, new.join_code, ana.actor, ben.actor, ana.participant_key or ""
    )
