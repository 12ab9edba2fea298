"""Alembic environment for the packaged migrations.

:func:`coach.storage.db.alembic_config` builds the configuration and passes an open connection
inside a write transaction; nothing here reads an ini file or the environment.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from coach.storage.models import Base

#: Any constant: the PostgreSQL advisory lock that serialises concurrent upgrades.
MIGRATION_LOCK_KEY = 0x636F616368  # "coach"


def run_migrations() -> None:
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported; run against a database")
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            connection.execute(lock, {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


run_migrations()
