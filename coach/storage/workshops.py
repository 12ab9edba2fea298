"""Uploaded workshops: a trainer's review of texts they uploaded, in the same tables as live ones.

A live workshop (see :class:`coach.storage.Access`) has a join code and its participants own
their drafts. An uploaded one has no code; its drafts belong to whoever uploaded them and
carry each participant's name (:meth:`coach.storage.Drafts.save_participant_text`). Both are
listed, reviewed, commented on and exported the same way. Anyone may keep uploaded
workshops, the local owner included; each is found by its name among the owner's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coach.errors import InputError
from coach.storage.access import Clock
from coach.storage.actor import Actor
from coach.storage.db import Database
from coach.storage.drafts import clean_story_type
from coach.storage.errors import NotFound
from coach.storage.models import Draft, Workshop, utcnow

MAX_NAME = 200


@dataclass(frozen=True)
class UploadedWorkshop:
    id: int
    name: str
    story_type: str
    created_at: datetime
    drafts: int = 0


class Workshops:
    """Uploaded workshops over one :class:`Database`."""

    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    def uploaded(self, actor: Actor) -> list[UploadedWorkshop]:
        """The actor's uploaded workshops, oldest first."""
        drafts = (
            select(func.count())
            .where(Draft.workshop_id == Workshop.id)
            .correlate(Workshop)
            .scalar_subquery()
        )
        query = (
            select(Workshop, drafts)
            .where(Workshop.trainer_id == actor.person_id, Workshop.kind == "uploaded")
            .order_by(Workshop.id)
        )
        with self.db.read() as session:
            return [_info(workshop, count) for workshop, count in session.execute(query)]

    def find(self, actor: Actor, name: str) -> UploadedWorkshop | None:
        with self.db.read() as session:
            workshop = _named(session, actor, _clean_name(name))
            return None if workshop is None else _info(workshop)

    def open(self, actor: Actor, name: str, story_type: str = "self") -> UploadedWorkshop:
        """The actor's uploaded workshop with this name, made now if there is none."""
        name = _clean_name(name)
        with self.db.write() as session:
            workshop = _named(session, actor, name)
            if workshop is None:
                now = self.clock()
                workshop = Workshop(
                    name=name,
                    kind="uploaded",
                    story_type=clean_story_type(story_type),
                    trainer_id=actor.person_id,
                    join_code_hash=None,
                    code_rotated_at=now,
                    created_at=now,
                )
                session.add(workshop)
                session.flush()
            return _info(workshop)

    def set_story_type(self, actor: Actor, workshop_id: int, story_type: str) -> None:
        with self.db.write() as session:
            _owned(session, actor, workshop_id).story_type = clean_story_type(story_type)

    def delete(self, actor: Actor, workshop_id: int) -> int:
        """Delete an uploaded workshop with its drafts; returns how many drafts went."""
        with self.db.write() as session:
            workshop = _owned(session, actor, workshop_id)
            gone = session.execute(delete(Draft).where(Draft.workshop_id == workshop.id))
            session.delete(workshop)
            return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def _named(session: Session, actor: Actor, name: str) -> Workshop | None:
    return session.scalar(
        select(Workshop)
        .where(
            Workshop.trainer_id == actor.person_id,
            Workshop.kind == "uploaded",
            Workshop.name == name,
        )
        .order_by(Workshop.id)
        .limit(1)
    )


def _owned(session: Session, actor: Actor, workshop_id: int) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None or workshop.trainer_id != actor.person_id or workshop.kind != "uploaded":
        raise NotFound(f"no uploaded workshop {workshop_id} of yours")
    return workshop


def _clean_name(name: str) -> str:
    name = " ".join((name or "").replace("\x00", "").split())
    if not name:
        raise InputError("a workshop needs a name")
    if len(name) > MAX_NAME:
        raise InputError(f"a workshop's name can have at most {MAX_NAME} characters")
    return name


def _info(workshop: Workshop, drafts: int = 0) -> UploadedWorkshop:
    return UploadedWorkshop(
        workshop.id, workshop.name, workshop.story_type, workshop.created_at, drafts
    )
