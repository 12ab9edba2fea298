"""Drafts and their versions: autosave, scores, restore, delete, comments and rehearsals.

Every call takes the :class:`Actor` asking. What an actor may see is decided in SQL (one
``_visible`` clause used by every query), so no call can hand a participant someone else's
draft: owners see their own drafts; a trainer also sees, and may comment on, the drafts in
workshops they own. Only the owner changes a draft.

A save is one transaction. Version numbers are unique per draft even with many processes
saving at once: SQLite takes its write lock at ``BEGIN IMMEDIATE``, PostgreSQL locks the
draft row (``SELECT ... FOR UPDATE``), and a unique (draft, number) constraint backs both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.errors import InputError, ServiceError
from coach.storage.access import Clock
from coach.storage.actor import Actor
from coach.storage.db import Database
from coach.storage.errors import AccessDenied, NotFound
from coach.storage.models import (
    Comment,
    Draft,
    DraftVersion,
    Participant,
    Person,
    Rehearsal,
    Workshop,
    utcnow,
)

MAX_TITLE = 300
MAX_STORY_TYPE = 32
MAX_PARTICIPANT = 200


@dataclass(frozen=True)
class Version:
    id: int
    draft_id: int
    number: int
    text: str
    story_type: str
    created_at: datetime
    report: dict[str, Any] | None = None
    rubric_version: str | None = None
    prompt_version: str | None = None


@dataclass(frozen=True)
class DraftInfo:
    id: int
    title: str
    owner_id: int
    owner_name: str
    workshop_id: int | None
    latest_number: int
    created_at: datetime
    updated_at: datetime
    #: The participant's name when this draft holds an uploaded workshop's text.
    participant: str | None = None


@dataclass(frozen=True)
class CommentInfo:
    id: int
    draft_id: int
    version_id: int | None
    author_name: str
    body: str
    created_at: datetime
    quote: str | None = None  # the sentence of the version the comment is about


@dataclass(frozen=True)
class RehearsalInfo:
    id: int
    draft_id: int
    version_id: int | None
    duration_s: float
    words: int
    wpm: float
    pauses: list[Any]
    created_at: datetime
    paragraphs: list[Any] | None = None  # a stage run's pace per paragraph


class Drafts:
    """The draft service over one :class:`Database`."""

    def __init__(self, db: Database, *, clock: Clock = utcnow, retries: int = 5) -> None:
        self.db = db
        self.clock = clock
        self.retries = retries

    # -- saving ---------------------------------------------------------------------------

    def save_draft(
        self,
        actor: Actor,
        title: str,
        text: str,
        story_type: str,
        *,
        draft_id: int | None = None,
    ) -> Version:
        """Autosave: a new version only when text or story type changed; returns the latest.

        Without ``draft_id`` a new draft is created. A changed title is updated in place.
        """
        title = _clean_title(title)
        story_type = clean_story_type(story_type)
        if not isinstance(text, str) or "\x00" in text:
            raise InputError("a draft's text must be a string without NUL characters")

        def save(session: Session) -> Version:
            if draft_id is None:
                draft = self._new_draft(session, actor, title)
            else:
                draft = self._owned_draft(session, actor, draft_id, lock=True)
                if title and title != draft.title:
                    draft.title = title
                    draft.updated_at = self.clock()
            return self._add_version(session, draft, text, story_type)

        return self._retrying(save)

    def save_participant_text(
        self, actor: Actor, workshop_id: int, participant: str, text: str, story_type: str
    ) -> Version:
        """Save an uploaded participant's text as the newest version of their draft.

        The draft belongs to the workshop's trainer and is found by the participant's name;
        two tabs adding the same person meet on the unique (workshop, participant) pair and
        the second one's save becomes a version of the first one's draft.
        """
        label = _clean_title(participant)[:MAX_PARTICIPANT]
        if not label:
            raise InputError("a participant needs a name")
        story_type = clean_story_type(story_type)
        if not isinstance(text, str) or "\x00" in text:
            raise InputError("a draft's text must be a string without NUL characters")

        def save(session: Session) -> Version:
            workshop = session.get(Workshop, workshop_id)
            if workshop is None or workshop.trainer_id != actor.person_id:
                raise NotFound(f"no workshop {workshop_id} of yours")
            if workshop.kind != "uploaded":
                raise AccessDenied("participants of a live workshop write their own drafts")
            draft = session.scalar(
                select(Draft)
                .where(Draft.workshop_id == workshop_id, Draft.participant == label)
                .with_for_update()
            )
            if draft is None:
                now = self.clock()
                draft = Draft(
                    owner_id=actor.person_id,
                    workshop_id=workshop_id,
                    participant=label,
                    title=label,
                    latest_number=0,
                    created_at=now,
                    updated_at=now,
                )
                session.add(draft)
                session.flush()
            return self._add_version(session, draft, text, story_type)

        return self._retrying(save)

    def restore_version(self, actor: Actor, version_id: int) -> Version:
        """Make an old version the newest one again (history is kept, never rewritten)."""

        def restore(session: Session) -> Version:
            old = self._owned_version(session, actor, version_id)
            draft = self._owned_draft(session, actor, old.draft_id, lock=True)
            return self._add_version(
                session,
                draft,
                old.text,
                old.story_type,
                report=old.report,
                rubric_version=old.rubric_version,
                prompt_version=old.prompt_version,
            )

        return self._retrying(restore)

    def attach_report(
        self,
        actor: Actor,
        version_id: int,
        report: dict[str, Any],
        *,
        rubric_version: str | None,
        prompt_version: str | None = None,
    ) -> Version:
        """Store the scorer's Report (its ``to_dict()``) with the version it scored."""
        if not isinstance(report, dict):
            raise InputError("a report must be a JSON object (the Report's to_dict())")
        try:
            report = json.loads(json.dumps(report))
        except (TypeError, ValueError) as exc:
            raise InputError(f"the report is not JSON-serialisable: {exc}") from exc
        with self.db.write() as session:
            version = self._owned_version(session, actor, version_id)
            version.report = report
            version.rubric_version = rubric_version
            version.prompt_version = prompt_version
            session.flush()
            return _version(version)

    def delete_draft(self, actor: Actor, draft_id: int) -> None:
        """Delete a draft with all its versions, comments and rehearsals."""
        with self.db.write() as session:
            result = session.execute(
                delete(Draft).where(Draft.id == draft_id, Draft.owner_id == actor.person_id)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound(f"no draft {draft_id} of yours")

    # -- reading --------------------------------------------------------------------------

    def list_drafts(self, actor: Actor, *, workshop_id: int | None = None) -> list[DraftInfo]:
        """The drafts this actor may see, newest first; optionally one workshop's."""
        query = (
            select(Draft, Person.name)
            .join(Person, Person.id == Draft.owner_id)
            .where(_visible(actor))
            .order_by(Draft.updated_at.desc(), Draft.id.desc())
        )
        if workshop_id is not None:
            query = query.where(Draft.workshop_id == workshop_id)
        with self.db.read() as session:
            return [_draft_info(draft, name) for draft, name in session.execute(query)]

    def get_draft(self, actor: Actor, draft_id: int) -> DraftInfo:
        with self.db.read() as session:
            draft = self._visible_draft(session, actor, draft_id)
            return _draft_info(draft, session.get_one(Person, draft.owner_id).name)

    def list_versions(self, actor: Actor, draft_id: int) -> list[Version]:
        with self.db.read() as session:
            self._visible_draft(session, actor, draft_id)
            versions = session.scalars(
                select(DraftVersion)
                .where(DraftVersion.draft_id == draft_id)
                .order_by(DraftVersion.number)
            )
            return [_version(v) for v in versions]

    def get_version(self, actor: Actor, version_id: int) -> Version:
        with self.db.read() as session:
            version = session.scalar(
                select(DraftVersion)
                .join(Draft, Draft.id == DraftVersion.draft_id)
                .where(DraftVersion.id == version_id, _visible(actor))
            )
            if version is None:
                raise NotFound(f"no version {version_id} that you can see")
            return _version(version)

    def latest_version(self, actor: Actor, draft_id: int) -> Version:
        with self.db.read() as session:
            draft = self._visible_draft(session, actor, draft_id)
            version = session.scalar(
                select(DraftVersion).where(
                    DraftVersion.draft_id == draft.id, DraftVersion.number == draft.latest_number
                )
            )
            if version is None:
                raise NotFound(f"draft {draft_id} has no saved version yet")
            return _version(version)

    # -- trainer comments and rehearsals -------------------------------------------------

    def add_comment(
        self,
        actor: Actor,
        draft_id: int,
        body: str,
        *,
        version_id: int | None = None,
        quote: str | None = None,
    ) -> CommentInfo:
        """A trainer's comment on a draft in one of their workshops, on the whole draft or
        (``quote``) on one sentence of the version ``version_id``."""
        body = body.strip()
        if not body:
            raise InputError("a comment needs some text")
        quote = quote.strip() if quote else None
        if quote and version_id is None:
            raise InputError("a comment on a sentence needs the version the sentence is in")
        with self.db.write() as session:
            draft = self._visible_draft(session, actor, draft_id)
            trainer = session.scalar(
                select(Workshop.trainer_id).where(Workshop.id == draft.workshop_id)
            )
            if trainer is None or trainer != actor.person_id:
                raise AccessDenied("only the workshop's trainer can comment on this draft")
            self._check_version_of(session, draft.id, version_id)
            if quote and quote not in session.get_one(DraftVersion, version_id).text:
                raise InputError("that sentence is not in this version of the draft")
            comment = Comment(
                draft_id=draft.id,
                version_id=version_id,
                author_id=actor.person_id,
                body=body,
                quote=quote,
                created_at=self.clock(),
            )
            session.add(comment)
            session.flush()
            return _comment(comment, actor.name)

    def list_comments(self, actor: Actor, draft_id: int) -> list[CommentInfo]:
        with self.db.read() as session:
            self._visible_draft(session, actor, draft_id)
            rows = session.execute(
                select(Comment, Person.name)
                .join(Person, Person.id == Comment.author_id)
                .where(Comment.draft_id == draft_id)
                .order_by(Comment.id)
            )
            return [_comment(comment, name) for comment, name in rows]

    def add_rehearsal(
        self,
        actor: Actor,
        draft_id: int,
        *,
        duration_s: float,
        words: int,
        pauses: list[Any] | None = None,
        version_id: int | None = None,
        speaking_s: float | None = None,
        paragraphs: list[Any] | None = None,
    ) -> RehearsalInfo:
        """Record one timed read-through; pace (words per minute) is derived here.

        Pace counts ``speaking_s`` when given — a recording's time minus its silences, as
        :func:`coach.rehearsal.analysis.analyse` measures it — so the history shows the pace the
        analysis showed; a stopwatch run has only its duration.
        """
        if not duration_s > 0 or words < 0:
            raise InputError("a rehearsal needs a positive duration and a word count >= 0")
        if speaking_s is not None and not 0 < speaking_s <= duration_s:
            raise InputError("speaking time must be positive and no longer than the recording")
        pace_s = speaking_s if speaking_s is not None else duration_s
        with self.db.write() as session:
            draft = self._owned_draft(session, actor, draft_id)
            self._check_version_of(session, draft.id, version_id)
            rehearsal = Rehearsal(
                draft_id=draft.id,
                version_id=version_id,
                duration_s=float(duration_s),
                words=int(words),
                wpm=round(words * 60.0 / pace_s, 1),
                pauses=list(pauses or []),
                paragraphs=list(paragraphs) if paragraphs else None,
                created_at=self.clock(),
            )
            session.add(rehearsal)
            session.flush()
            return _rehearsal(rehearsal)

    def list_rehearsals(self, actor: Actor, draft_id: int) -> list[RehearsalInfo]:
        with self.db.read() as session:
            self._visible_draft(session, actor, draft_id)
            rows = session.scalars(
                select(Rehearsal).where(Rehearsal.draft_id == draft_id).order_by(Rehearsal.id)
            )
            return [_rehearsal(r) for r in rows]

    # -- helpers --------------------------------------------------------------------------

    def _retrying(self, work: Callable[[Session], Version]) -> Version:
        """Run ``work`` in a write transaction, again if a concurrent save took its number."""
        for attempt in range(self.retries):
            try:
                with self.db.write() as session:
                    return work(session)
            except IntegrityError as exc:
                if attempt == self.retries - 1:
                    raise ServiceError(f"could not save after {self.retries} tries: {exc}") from exc
        raise AssertionError("unreachable")

    def _new_draft(self, session: Session, actor: Actor, title: str) -> Draft:
        if session.get(Person, actor.person_id) is None:
            raise NotFound("unknown person; log in again")
        workshop_id = session.scalar(
            select(Participant.workshop_id).where(Participant.person_id == actor.person_id)
        )
        now = self.clock()
        draft = Draft(
            owner_id=actor.person_id,
            workshop_id=workshop_id,
            title=title or "Untitled draft",
            latest_number=0,
            created_at=now,
            updated_at=now,
        )
        session.add(draft)
        session.flush()
        return draft

    def _add_version(
        self,
        session: Session,
        draft: Draft,
        text: str,
        story_type: str,
        **scored: Any,
    ) -> Version:
        latest = session.scalar(
            select(DraftVersion).where(
                DraftVersion.draft_id == draft.id, DraftVersion.number == draft.latest_number
            )
        )
        if latest is not None and latest.text == text and latest.story_type == story_type:
            return _version(latest)
        now = self.clock()
        version = DraftVersion(
            draft_id=draft.id,
            number=draft.latest_number + 1,
            text=text,
            story_type=story_type,
            created_at=now,
            **scored,
        )
        draft.latest_number = version.number
        draft.updated_at = now
        session.add(version)
        session.flush()
        return _version(version)

    @staticmethod
    def _visible_draft(session: Session, actor: Actor, draft_id: int) -> Draft:
        draft = session.scalar(select(Draft).where(Draft.id == draft_id, _visible(actor)))
        if draft is None:
            raise NotFound(f"no draft {draft_id} that you can see")
        return draft

    @staticmethod
    def _owned_draft(session: Session, actor: Actor, draft_id: int, lock: bool = False) -> Draft:
        query = select(Draft).where(Draft.id == draft_id, Draft.owner_id == actor.person_id)
        draft = session.scalar(query.with_for_update() if lock else query)
        if draft is None:
            raise NotFound(f"no draft {draft_id} of yours")
        return draft

    @staticmethod
    def _owned_version(session: Session, actor: Actor, version_id: int) -> DraftVersion:
        version = session.scalar(
            select(DraftVersion)
            .join(Draft, Draft.id == DraftVersion.draft_id)
            .where(DraftVersion.id == version_id, Draft.owner_id == actor.person_id)
        )
        if version is None:
            raise NotFound(f"no version {version_id} of yours")
        return version

    @staticmethod
    def _check_version_of(session: Session, draft_id: int, version_id: int | None) -> None:
        if version_id is None:
            return
        found = session.scalar(
            select(DraftVersion.id).where(
                DraftVersion.id == version_id, DraftVersion.draft_id == draft_id
            )
        )
        if found is None:
            raise NotFound(f"draft {draft_id} has no version {version_id}")


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Drafts the actor owns, plus (for a trainer) drafts in workshops the actor owns.

    Ownership is checked by person id in SQL, so even an Actor with a made-up role sees
    nothing beyond what that person owns.
    """
    own = Draft.owner_id == actor.person_id
    if not actor.is_trainer:
        return own
    owned_workshops = select(Workshop.id).where(Workshop.trainer_id == actor.person_id)
    return or_(own, Draft.workshop_id.in_(owned_workshops))


def _clean_title(title: str) -> str:
    title = " ".join((title or "").replace("\x00", "").split())
    if len(title) > MAX_TITLE:
        raise InputError(f"a title can have at most {MAX_TITLE} characters")
    return title


def clean_story_type(story_type: str) -> str:
    story_type = (story_type or "").strip()
    if not story_type or len(story_type) > MAX_STORY_TYPE:
        raise InputError("a story type is needed (e.g. self, us, now, narrative, message)")
    return story_type


def _version(v: DraftVersion) -> Version:
    return Version(
        id=v.id,
        draft_id=v.draft_id,
        number=v.number,
        text=v.text,
        story_type=v.story_type,
        created_at=v.created_at,
        report=v.report,
        rubric_version=v.rubric_version,
        prompt_version=v.prompt_version,
    )


def _draft_info(draft: Draft, owner_name: str) -> DraftInfo:
    return DraftInfo(
        id=draft.id,
        title=draft.title,
        owner_id=draft.owner_id,
        owner_name=owner_name,
        workshop_id=draft.workshop_id,
        latest_number=draft.latest_number,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
        participant=draft.participant,
    )


def _comment(comment: Comment, author_name: str) -> CommentInfo:
    return CommentInfo(
        id=comment.id,
        draft_id=comment.draft_id,
        version_id=comment.version_id,
        author_name=author_name,
        body=comment.body,
        created_at=comment.created_at,
        quote=comment.quote,
    )


def _rehearsal(r: Rehearsal) -> RehearsalInfo:
    return RehearsalInfo(
        id=r.id,
        draft_id=r.draft_id,
        version_id=r.version_id,
        duration_s=r.duration_s,
        words=r.words,
        wpm=r.wpm,
        pauses=list(r.pauses),
        created_at=r.created_at,
        paragraphs=list(r.paragraphs) if r.paragraphs else None,
    )
