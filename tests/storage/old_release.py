"""Write data the way release 0001 did, with SQL on the tables as they were then.

The services and models move on (0003 added columns that an 0001 database lacks), so the
tests of old migrations cannot use them to make old data. These helpers insert rows with
Core against 0001's columns only, which is exactly what an old database holds.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from coach.storage import Database

META = sa.MetaData()
PEOPLE = sa.Table(
    "people",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("role", sa.String),
    sa.Column("name", sa.String),
    sa.Column("email", sa.String),
    sa.Column("created_at", sa.DateTime),
)
WORKSHOPS = sa.Table(
    "workshops",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("trainer_id", sa.Integer),
    sa.Column("join_code_hash", sa.String),
    sa.Column("code_rotated_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime),
)
PARTICIPANTS = sa.Table(
    "participants",
    META,
    sa.Column("person_id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.Integer),
    sa.Column("name_key", sa.String),
    sa.Column("key_hash", sa.String),
)
DRAFTS = sa.Table(
    "drafts",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_id", sa.Integer),
    sa.Column("workshop_id", sa.Integer),
    sa.Column("title", sa.String),
    sa.Column("latest_number", sa.Integer),
    sa.Column("created_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime),
)
VERSIONS = sa.Table(
    "draft_versions",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("draft_id", sa.Integer),
    sa.Column("number", sa.Integer),
    sa.Column("text", sa.Text),
    sa.Column("story_type", sa.String),
    sa.Column("report", sa.JSON),
    sa.Column("created_at", sa.DateTime),
)


def _insert(db: Database, table: sa.Table, **values: Any) -> int:
    with db.write_connection() as connection:
        return connection.execute(table.insert().values(**values)).inserted_primary_key[0]


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)  # 0001 stored UTC as naive text on SQLite


def person(db: Database, role: str, name: str, at: datetime) -> int:
    email = f"{name.lower()}@example.org" if role == "trainer" else None
    return _insert(db, PEOPLE, role=role, name=name, email=email, created_at=_naive(at))


def workshop(db: Database, trainer_id: int, name: str, code: str, at: datetime) -> int:
    return _insert(
        db,
        WORKSHOPS,
        name=name,
        trainer_id=trainer_id,
        join_code_hash=hashlib.sha256(code.encode()).hexdigest(),
        code_rotated_at=_naive(at),
        created_at=_naive(at),
    )


def join(db: Database, workshop_id: int, name: str, at: datetime) -> int:
    person_id = person(db, "participant", name, at)
    _insert(
        db,
        PARTICIPANTS,
        person_id=person_id,
        workshop_id=workshop_id,
        name_key=name.casefold(),
        key_hash="0" * 64,
    )
    return person_id


def draft(
    db: Database,
    owner_id: int,
    title: str,
    text: str,
    story_type: str,
    at: datetime,
    *,
    workshop_id: int | None = None,
    draft_id: int | None = None,
    report: Any = None,
) -> int:
    """A new draft, or a new version of ``draft_id``; returns the draft's id."""
    with db.write_connection() as connection:
        if draft_id is None:
            draft_id = connection.execute(
                DRAFTS.insert().values(
                    owner_id=owner_id,
                    workshop_id=workshop_id,
                    title=title,
                    latest_number=0,
                    created_at=_naive(at),
                    updated_at=_naive(at),
                )
            ).inserted_primary_key[0]
        number = (
            connection.execute(
                sa.select(DRAFTS.c.latest_number).where(DRAFTS.c.id == draft_id)
            ).scalar_one()
            + 1
        )
        connection.execute(
            VERSIONS.insert().values(
                draft_id=draft_id,
                number=number,
                text=text,
                story_type=story_type,
                report=report,
                created_at=_naive(at),
            )
        )
        connection.execute(
            DRAFTS.update()
            .where(DRAFTS.c.id == draft_id)
            .values(latest_number=number, updated_at=_naive(at))
        )
    return draft_id


def record(
    db: Database, owner_id: int, title: str, data: Any, at: datetime, draft_id: int | None = None
) -> int:
    """How 0001 kept a record: a draft whose version text is JSON, story type "data"."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, sort_keys=True)
    return draft(db, owner_id, title, text, "data", at, draft_id=draft_id)


def drafts_of(db: Database, owner_id: int) -> dict[str, str]:
    """Title -> newest text of a person's drafts, read with 0001's columns."""
    query = (
        sa.select(DRAFTS.c.title, VERSIONS.c.text)
        .join(
            VERSIONS,
            sa.and_(
                VERSIONS.c.draft_id == DRAFTS.c.id, VERSIONS.c.number == DRAFTS.c.latest_number
            ),
        )
        .where(DRAFTS.c.owner_id == owner_id)
    )
    with db.engine.connect() as connection:
        return {title: text for title, text in connection.execute(query)}
