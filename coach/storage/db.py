"""Open the database: SQLite under the data directory by default, PostgreSQL when configured.

Opening runs the packaged Alembic migrations (``upgrade head``), so a fresh data directory,
an old one and a shared PostgreSQL all end up on the same schema. Several processes may
open the same database at once: migrations take a write lock (SQLite) or an advisory lock
(PostgreSQL) first.

SQLite is set up for durability and for several processes: WAL journal, ``synchronous=FULL``
(a save acknowledged is on disk), foreign keys on, and a busy timeout. Write transactions
start with ``BEGIN IMMEDIATE`` so two writers queue instead of failing halfway.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from coach.errors import ServiceError
from coach.settings import Settings

SQLITE_FILENAME = "coach.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL for these settings; ``postgresql://`` gets the psycopg 3 driver."""
    if settings.database_url:
        return normalize_url(settings.database_url)
    return f"sqlite:///{settings.data_dir / SQLITE_FILENAME}"


def normalize_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def alembic_config(connection: Connection) -> Config:
    """Alembic settings for the packaged migrations, run on ``connection``.

    Also how to write a new revision (see docs/storage.md)::

        with db.write_connection() as connection:
            command.revision(alembic_config(connection), "add x", autogenerate=True)
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """One engine and its sessions; build it once per process and pass it in."""

    def __init__(self, url: str, *, migrate: bool = True, echo: bool = False) -> None:
        self.url = normalize_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(self.url, echo=echo)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
        # Same pool, but transactions on this one take the SQLite write lock up front.
        self._write_engine = self.engine.execution_options(coach_write=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        if migrate:
            self.upgrade()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Database:
        if not settings.database_url:
            settings.ensure_data_dir()
        return cls(database_url(settings), **kwargs)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def upgrade(self, target: str = "head") -> None:
        """Bring the schema to the newest migration; safe to run from many processes at once."""
        try:
            with self.migration_connection() as connection:
                command.upgrade(alembic_config(connection), target)
        except OperationalError as exc:
            raise ServiceError(f"cannot open the database {redact(self.url)}: {exc.orig}") from exc

    @contextmanager
    def migration_connection(self) -> Iterator[Connection]:
        """A write transaction for schema changes, with SQLite's foreign-key actions paused.

        SQLite changes a column by copying its table and dropping the old one; with foreign
        keys on, that drop would cascade and delete every version and comment of the drafts.
        The pragma only works outside a transaction, so it is set on the raw connection
        first, and the keys are checked before the transaction commits.
        """
        with self._write_engine.connect() as connection:
            raw = connection.connection.dbapi_connection if self.is_sqlite else None
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    yield connection
                    if raw is not None:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise ServiceError(f"migration left broken references: {broken[:3]}")
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in one write transaction (migrations, bulk work)."""
        with self._guard(), self._write_engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with self._guard(), self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One atomic transaction: committed when the block ends, rolled back on error."""
        with self._guard(), self._write.begin() as session:
            yield session

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                raise ServiceError("the database stayed busy too long; try again") from exc
            raise ServiceError(f"database error ({redact(self.url)}): {exc.orig}") from exc

    def integrity_check(self) -> str:
        """``"ok"`` when the database file is sound (SQLite) or the server answers (PostgreSQL)."""
        with self.engine.connect() as connection:
            if self.is_sqlite:
                rows = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                return "ok" if rows == ["ok"] else "; ".join(map(str, rows))
            connection.execute(text("SELECT 1"))
            return "ok"

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another process holds the new file.

    On a brand-new database the switch needs an exclusive lock; if another process is
    migrating it, SQLite answers "locked" at once instead of waiting (its busy handler is
    skipped where waiting could deadlock), so we wait here. Once the file is in WAL mode
    the pragma is a plain read.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (the sqlite3 module's own handling skips it for
        # SELECT and DDL, which breaks isolation and transactional migrations).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("coach_write")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
