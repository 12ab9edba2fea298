"""One workshop model: uploaded workshops move from JSON records into the workshop tables.

Until now an uploaded workshop's review was a record (kind ``workshop``) holding participant
name -> draft id and the trainer's comments, and its drafts were titled
``narrative-coach/review/<workshop> · <name>``. Now it is a ``workshops`` row of kind
``uploaded`` (no join code), each participant's draft points at it with the participant's
name in ``drafts.participant``, and the comments are rows in ``comments`` like a live
workshop's. A record is removed only when everything in it found its new place; a comment
whose draft is gone keeps the record, so nothing is lost.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
REVIEW_PREFIX = "narrative-coach/review/"
MAX_NAME = 200

# The tables as this revision knows them (not the models, which move on).
records = sa.table(
    "records",
    sa.column("id", sa.Integer()),
    sa.column("owner_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("key", sa.String()),
    sa.column("data", JSON),
    sa.column("revision", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
workshops = sa.Table(
    "workshops",
    sa.MetaData(),
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String()),
    sa.Column("kind", sa.String()),
    sa.Column("story_type", sa.String()),
    sa.Column("trainer_id", sa.Integer()),
    sa.Column("join_code_hash", sa.String()),
    sa.Column("code_rotated_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
drafts = sa.table(
    "drafts",
    sa.column("id", sa.Integer()),
    sa.column("owner_id", sa.Integer()),
    sa.column("workshop_id", sa.Integer()),
    sa.column("title", sa.String()),
    sa.column("participant", sa.String()),
)
versions = sa.table(
    "draft_versions",
    sa.column("id", sa.Integer()),
    sa.column("draft_id", sa.Integer()),
    sa.column("number", sa.Integer()),
)
comments = sa.table(
    "comments",
    sa.column("id", sa.Integer()),
    sa.column("draft_id", sa.Integer()),
    sa.column("version_id", sa.Integer()),
    sa.column("author_id", sa.Integer()),
    sa.column("body", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="live"))
        batch.add_column(
            sa.Column("story_type", sa.String(32), nullable=False, server_default="self")
        )
        batch.alter_column("join_code_hash", existing_type=sa.String(64), nullable=True)
        batch.create_check_constraint(op.f("ck_workshops_kind"), "kind IN ('live', 'uploaded')")
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("participant", sa.String(MAX_NAME), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_drafts_workshop_id"), ["workshop_id", "participant"]
        )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(records).where(records.c.kind == "workshop").order_by(records.c.id)
    ).all()
    for row in rows:
        if _move(connection, row):
            connection.execute(records.delete().where(records.c.id == row.id))


def _move(connection: sa.Connection, row: Any) -> bool:
    """Make the uploaded workshop for one record; True when nothing is left behind in it."""
    data = row.data if isinstance(row.data, dict) else {}
    participants = data.get("participants") if isinstance(data.get("participants"), dict) else {}
    notes = data.get("comments") if isinstance(data.get("comments"), dict) else {}
    workshop_id = connection.execute(
        workshops.insert().values(
            name=str(row.key)[:MAX_NAME],
            kind="uploaded",
            story_type=str(data.get("story_type") or "self")[:32],
            trainer_id=row.owner_id,
            join_code_hash=None,
            code_rotated_at=row.created_at,
            created_at=row.created_at,
        )
    ).inserted_primary_key[0]
    complete = True
    moved: dict[str, int] = {}
    for label, draft_id in participants.items():
        label = str(label)[:MAX_NAME]
        found = connection.execute(
            sa.select(drafts.c.id).where(
                drafts.c.id == _int(draft_id),
                drafts.c.owner_id == row.owner_id,
                drafts.c.workshop_id.is_(None),
            )
        ).scalar()
        if found is None or label in moved or found in moved.values():
            complete = False  # gone, or claimed twice: the record keeps the mapping
            continue
        connection.execute(
            drafts.update()
            .where(drafts.c.id == found)
            .values(workshop_id=workshop_id, participant=label, title=label)
        )
        moved[label] = found
    for label, notes_of in notes.items():
        draft_id = moved.get(str(label)[:MAX_NAME])
        if draft_id is None or not isinstance(notes_of, list):
            complete = complete and not notes_of
            continue
        for note in notes_of:
            if not isinstance(note, dict) or not str(note.get("body") or "").strip():
                continue
            connection.execute(
                comments.insert().values(
                    draft_id=draft_id,
                    version_id=_version_id(connection, draft_id, note.get("version")),
                    author_id=row.owner_id,
                    body=str(note["body"]).replace("\x00", ""),
                    created_at=_moment(note.get("at")) or row.updated_at,
                )
            )
    return complete


def downgrade() -> None:
    """Uploaded workshops become records again (comments included), then the columns go."""
    connection = op.get_bind()
    uploaded = connection.execute(
        sa.select(workshops).where(workshops.c.kind == "uploaded").order_by(workshops.c.id)
    ).all()
    for workshop in uploaded:
        members = connection.execute(
            sa.select(drafts.c.id, drafts.c.participant).where(drafts.c.workshop_id == workshop.id)
        ).all()
        data: dict[str, Any] = {
            "participants": {},
            "comments": {},
            "story_type": workshop.story_type,
        }
        for draft_id, label in members:
            label = label or f"draft {draft_id}"
            data["participants"][label] = draft_id
            notes = connection.execute(
                sa.select(comments.c.body, comments.c.created_at, versions.c.number)
                .select_from(comments.outerjoin(versions, versions.c.id == comments.c.version_id))
                .where(comments.c.draft_id == draft_id)
                .order_by(comments.c.id)
            ).all()
            if notes:
                data["comments"][label] = [
                    {"body": body, "version": number, "author": "", "at": _iso(at)}
                    for body, at, number in notes
                ]
            connection.execute(comments.delete().where(comments.c.draft_id == draft_id))
            connection.execute(
                drafts.update()
                .where(drafts.c.id == draft_id)
                .values(
                    workshop_id=None,
                    participant=None,
                    title=f"{REVIEW_PREFIX}{workshop.name} · {label}"[:300],
                )
            )
        connection.execute(
            records.insert().values(
                owner_id=workshop.trainer_id,
                kind="workshop",
                key=workshop.name,
                data=data,
                revision=1,
                created_at=workshop.created_at,
                updated_at=workshop.created_at,
            )
        )
        connection.execute(workshops.delete().where(workshops.c.id == workshop.id))
    with op.batch_alter_table("drafts") as batch:
        batch.drop_constraint(op.f("uq_drafts_workshop_id"), type_="unique")
        batch.drop_column("participant")
    with op.batch_alter_table("workshops") as batch:
        batch.drop_constraint(op.f("ck_workshops_kind"), type_="check")
        batch.alter_column("join_code_hash", existing_type=sa.String(64), nullable=False)
        batch.drop_column("story_type")
        batch.drop_column("kind")


def _version_id(connection: sa.Connection, draft_id: int, number: Any) -> int | None:
    if _int(number) is None:
        return None
    return connection.execute(
        sa.select(versions.c.id).where(
            versions.c.draft_id == draft_id, versions.c.number == _int(number)
        )
    ).scalar()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.isoformat(timespec="seconds")
