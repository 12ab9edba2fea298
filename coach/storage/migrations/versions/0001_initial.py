"""Initial schema: people, workshops, drafts and versions, comments, rehearsals, sessions.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time(name: str, **kwargs: object) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, **kwargs)


def _fk(column: str, target: str, *, nullable: bool = False) -> sa.Column:
    foreign_key = sa.ForeignKey(target, ondelete="CASCADE")
    return sa.Column(column, sa.Integer(), foreign_key, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        _time("created_at"),
        sa.CheckConstraint("role IN ('local', 'trainer', 'participant')", name="role"),
    )
    op.create_index(
        "uq_people_single_local",
        "people",
        ["role"],
        unique=True,
        sqlite_where=sa.text("role = 'local'"),
        postgresql_where=sa.text("role = 'local'"),
    )
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        _fk("trainer_id", "people.id"),
        sa.Column("join_code_hash", sa.String(64), nullable=False, unique=True),
        _time("code_rotated_at"),
        _time("created_at"),
    )
    op.create_index("ix_workshops_trainer_id", "workshops", ["trainer_id"])
    op.create_table(
        "participants",
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _fk("workshop_id", "workshops.id"),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("workshop_id", "name_key"),
    )
    op.create_index("ix_participants_workshop_id", "participants", ["workshop_id"])
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("owner_id", "people.id"),
        _fk("workshop_id", "workshops.id", nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("latest_number", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
    )
    op.create_index("ix_drafts_owner_id", "drafts", ["owner_id"])
    op.create_index("ix_drafts_workshop_id", "drafts", ["workshop_id"])
    op.create_table(
        "draft_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("draft_id", "drafts.id"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("story_type", sa.String(32), nullable=False),
        sa.Column("report", JSON, nullable=True),
        sa.Column("rubric_version", sa.String(64), nullable=True),
        sa.Column("prompt_version", sa.String(64), nullable=True),
        _time("created_at"),
        sa.UniqueConstraint("draft_id", "number"),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("draft_id", "drafts.id"),
        _fk("version_id", "draft_versions.id", nullable=True),
        _fk("author_id", "people.id"),
        sa.Column("body", sa.Text(), nullable=False),
        _time("created_at"),
    )
    op.create_index("ix_comments_draft_id", "comments", ["draft_id"])
    op.create_table(
        "rehearsals",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("draft_id", "drafts.id"),
        _fk("version_id", "draft_versions.id", nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("wpm", sa.Float(), nullable=False),
        sa.Column("pauses", JSON, nullable=False),
        _time("created_at"),
    )
    op.create_index("ix_rehearsals_draft_id", "rehearsals", ["draft_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _fk("person_id", "people.id"),
        _time("created_at"),
        _time("expires_at"),
    )
    op.create_index("ix_sessions_person_id", "sessions", ["person_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "auth_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(400), nullable=False),
        _time("at"),
    )
    op.create_index("ix_auth_failures_key_at", "auth_failures", ["key", "at"])


def downgrade() -> None:
    for table in (
        "auth_failures",
        "sessions",
        "rehearsals",
        "comments",
        "draft_versions",
        "drafts",
        "participants",
        "workshops",
        "people",
    ):
        op.drop_table(table)
