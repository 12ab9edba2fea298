"""The tables, as SQLAlchemy 2 mapped classes.

The schema itself is created by the Alembic migrations in ``migrations/versions``; these
classes must match them (``tests/storage`` checks that autogenerate finds no difference).
Times are stored in UTC and come back timezone-aware on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("local", "trainer", "participant")

# Stable constraint names, so later migrations can alter them on SQLite (batch mode) too.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON on SQLite, JSONB on PostgreSQL (indexable, compact).
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC timestamp: naive UTC text on SQLite, timestamptz on PostgreSQL, aware in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Person(Base):
    """Anyone who owns drafts: the local user, a trainer, or a workshop participant."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("role IN ('local', 'trainer', 'participant')", name="role"),
        # At most one "local" owner per database, even when two processes create it at once.
        Index(
            "uq_people_single_local",
            "role",
            unique=True,
            sqlite_where="role = 'local'",
            postgresql_where="role = 'local'",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


WORKSHOP_KINDS = ("live", "uploaded")


class Workshop(Base):
    """A group of participants' drafts that one person (its trainer) reviews.

    *live*: participants joined with its code and own their drafts. *uploaded*: the trainer
    uploaded the texts; the drafts belong to the trainer and carry the participant's name.
    """

    __tablename__ = "workshops"
    __table_args__ = (CheckConstraint("kind IN ('live', 'uploaded')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="live")
    story_type: Mapped[str] = mapped_column(String(32), default="self")
    trainer_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # Only a hash: a copy of the database is not a way into the workshop. None: uploaded.
    join_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_rotated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Participant(Base):
    """Membership of a participant (a Person) in one workshop."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("workshop_id", "name_key"),)

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    name_key: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64))


class Draft(Base):
    __tablename__ = "drafts"
    # One draft per named participant of an uploaded workshop (NULLs never clash).
    __table_args__ = (UniqueConstraint("workshop_id", "participant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    # The participant's name in an uploaded workshop; None for a person's own draft.
    participant: Mapped[str | None] = mapped_column(String(200))
    # Number of the newest version; 0 until the first save commits.
    latest_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DraftVersion(Base):
    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    story_type: Mapped[str] = mapped_column(String(32))
    report: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    rubric_version: Mapped[str | None] = mapped_column(String(64))
    prompt_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Comment(Base):
    """A trainer's comment on a draft, optionally on one version of it."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("draft_versions.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text, nullable=True)  # the sentence it is about
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Rehearsal(Base):
    """One timed read-through of a draft: how long, how fast, where the speaker paused."""

    __tablename__ = "rehearsals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("draft_versions.id", ondelete="CASCADE")
    )
    duration_s: Mapped[float] = mapped_column(Float)
    words: Mapped[int] = mapped_column(Integer)
    wpm: Mapped[float] = mapped_column(Float)
    pauses: Mapped[list[Any]] = mapped_column(JsonType)
    # a stage run's pace per paragraph: [{"index", "words", "seconds", "wpm", "note"}]
    paragraphs: Mapped[list[Any] | None] = mapped_column(JsonType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Record(Base):
    """A small JSON document the app keeps per person: preferences, builder answers, a review.

    One per (owner, kind, key). ``revision`` starts at 1 and grows by one on every save, so a
    writer can say which revision it read and be refused if someone saved in between.
    """

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("owner_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginSession(Base):
    """A login; only the SHA-256 of its random token is stored."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuthFailure(Base):
    """One failed login or join attempt; counted per key to rate-limit across processes."""

    __tablename__ = "auth_failures"
    __table_args__ = (Index("ix_auth_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
