"""Records: a per-person table for the app's small JSON documents, instead of fake drafts.

Until now the app kept preferences, the story builder's answers and uploaded-workshop reviews
as drafts titled ``narrative-coach/...`` whose versions (story type ``data``) held JSON. This
revision moves each such record into ``records`` (the newest version's JSON) and deletes the
fake draft with its versions. A draft is moved only when its JSON is an object that both
databases can store; otherwise it stays a draft, so nothing is lost. The participants' texts
of an uploaded workshop (``narrative-coach/review/...``) are real drafts and stay; the
workshop record keeps pointing at them by draft id.

Revision ID: 0002
Revises: 0001
Create Date: 2025-03-20
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
RESERVED = "narrative-coach/"
RECORD_STORY_TYPE = "data"
MAX_KEY = 200
#: Old title -> (kind, key): an exact title, or a prefix followed by the key.
EXACT = {RESERVED + "preferences": "preferences"}
PREFIXES = {RESERVED + "builder/": "builder", RESERVED + "workshop/": "workshop"}

# The tables as this revision knows them (not the models, which move on).
drafts = sa.Table(
    "drafts",
    sa.MetaData(),
    sa.Column("id", sa.Integer(), primary_key=True),  # so inserts return it (no RETURNING)
    sa.Column("owner_id", sa.Integer()),
    sa.Column("workshop_id", sa.Integer()),
    sa.Column("title", sa.String()),
    sa.Column("latest_number", sa.Integer()),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)
versions = sa.table(
    "draft_versions",
    sa.column("id", sa.Integer()),
    sa.column("draft_id", sa.Integer()),
    sa.column("number", sa.Integer()),
    sa.column("text", sa.Text()),
    sa.column("story_type", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
participants = sa.table(
    "participants", sa.column("person_id", sa.Integer()), sa.column("workshop_id", sa.Integer())
)
comments = sa.table("comments", sa.column("draft_id", sa.Integer()))
rehearsals = sa.table("rehearsals", sa.column("draft_id", sa.Integer()))


def upgrade() -> None:
    records = op.create_table(
        "records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "owner_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(MAX_KEY), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("owner_id", "kind", "key"),
    )
    connection = op.get_bind()
    moved: list[int] = []
    kept: list[int] = []
    seen: set[tuple[int, str, str]] = set()
    for row in connection.execute(_old_records()).all():
        where = _kind_and_key(row.title)
        data = _movable(row.text)
        if where is None or data is None or (row.owner_id, *where) in seen:
            kept.append(row.id)  # not ours, unreadable, or shadowed by a newer copy
            continue
        seen.add((row.owner_id, *where))
        connection.execute(
            records.insert().values(
                owner_id=row.owner_id,
                kind=where[0],
                key=where[1],
                data=data,
                revision=1,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
        moved.append(row.id)
    for chunk in _chunks(kept):  # stays a draft, visible to its owner only (not the trainer)
        connection.execute(drafts.update().where(drafts.c.id.in_(chunk)).values(workshop_id=None))
    for chunk in _chunks(moved):
        for table, column in (
            (comments, comments.c.draft_id),
            (rehearsals, rehearsals.c.draft_id),
            (versions, versions.c.draft_id),
            (drafts, drafts.c.id),
        ):
            connection.execute(table.delete().where(column.in_(chunk)))


def downgrade() -> None:
    """Put every record back as a fake draft with one version, then drop the table."""
    records = sa.table(
        "records",
        sa.column("owner_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("key", sa.String()),
        sa.column("data", JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    titles = {kind: title for title, kind in EXACT.items()}
    prefixes = {kind: prefix for prefix, kind in PREFIXES.items()}
    workshop_of = (
        sa.select(participants.c.workshop_id)
        .where(participants.c.person_id == records.c.owner_id)
        .scalar_subquery()
    )
    rows = connection.execute(sa.select(records, workshop_of.label("workshop_id"))).all()
    for row in rows:
        title = titles.get(row.kind) or prefixes.get(row.kind, RESERVED + row.kind + "/") + row.key
        draft_id = connection.execute(
            drafts.insert().values(
                owner_id=row.owner_id,
                workshop_id=row.workshop_id,
                title=title,
                latest_number=1,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        ).inserted_primary_key[0]
        connection.execute(
            versions.insert().values(
                draft_id=draft_id,
                number=1,
                text=json.dumps(row.data, ensure_ascii=False, sort_keys=True),
                story_type=RECORD_STORY_TYPE,
                created_at=row.updated_at,
            )
        )
    op.drop_table("records")


def _old_records() -> sa.Select[Any]:
    """Reserved-title drafts whose every version is a record, with their newest text.

    For each owner and title the newest draft comes first: the one the app used to read.
    """
    other = versions.alias("other")
    not_a_record = (
        sa.select(other.c.id)
        .where(other.c.draft_id == drafts.c.id, other.c.story_type != RECORD_STORY_TYPE)
        .exists()
    )
    return (
        sa.select(
            drafts.c.id,
            drafts.c.owner_id,
            drafts.c.title,
            drafts.c.created_at,
            drafts.c.updated_at,
            versions.c.text,
        )
        .join(
            versions,
            sa.and_(
                versions.c.draft_id == drafts.c.id, versions.c.number == drafts.c.latest_number
            ),
        )
        .where(drafts.c.title.startswith(RESERVED, autoescape=True), ~not_a_record)
        .order_by(drafts.c.owner_id, drafts.c.updated_at.desc(), drafts.c.id.desc())
    )


def _kind_and_key(title: str) -> tuple[str, str] | None:
    if title in EXACT:
        return EXACT[title], ""
    for prefix, kind in PREFIXES.items():
        key = title[len(prefix) :]
        if title.startswith(prefix) and key and len(key) <= MAX_KEY:
            return kind, key
    return None


def _movable(text: str) -> dict[str, Any] | None:
    """The record's JSON object, or None when it is not one both databases can store."""
    try:
        data = json.loads(text)
        json.dumps(data, allow_nan=False)
    except ValueError:
        return None
    if not isinstance(data, dict) or _has_nul(data):  # PostgreSQL's JSONB refuses NUL
        return None
    return data


def _has_nul(value: Any) -> bool:
    """A copy of ``coach.storage.records._has_nul``: a migration imports no live code,
    which later releases may change under it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])
