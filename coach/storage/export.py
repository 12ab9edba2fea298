"""Exports: a workshop as rows for its trainer, and everything one person owns, for them.

Workshop rows: one per participant's draft (its latest version, or every version), for
live and uploaded workshops alike. A live workshop's participants who have not saved
anything yet still get a row, so the trainer's table shows who is missing. Each row carries
the stored Report JSON whole and the trainer's comments on that draft. Writing the rows as
CSV, JSON or HTML is ``coach.workshops.exports``' job. A participant's records (preferences,
builder answers) are theirs alone: they are in the person's own export, never in a trainer's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select

from coach.report import is_assessed
from coach.storage.actor import Actor
from coach.storage.db import Database
from coach.storage.errors import NotFound
from coach.storage.models import (
    Comment,
    Draft,
    DraftVersion,
    Participant,
    Person,
    Record,
    Workshop,
)

PERSON_EXPORT_SCHEMA = "narrative-coach/person-export/v1"


def workshop_rows(
    db: Database, actor: Actor, workshop_id: int, *, all_versions: bool = False
) -> list[dict[str, Any]]:
    """Rows for the person who owns the workshop (its trainer); anyone else gets NotFound."""
    version_match = DraftVersion.draft_id == Draft.id
    if not all_versions:
        version_match = and_(version_match, DraftVersion.number == Draft.latest_number)
    drafts = (
        select(Person, Draft, DraftVersion)
        .select_from(Draft)
        .join(Person, Person.id == Draft.owner_id)
        .outerjoin(DraftVersion, version_match)
        .where(Draft.workshop_id == workshop_id)
    )
    no_drafts_yet = (
        select(Person)
        .join(Participant, Participant.person_id == Person.id)
        .where(
            Participant.workshop_id == workshop_id,
            ~select(Draft.id)
            .where(Draft.owner_id == Person.id, Draft.workshop_id == workshop_id)
            .exists(),
        )
    )
    with db.read() as session:
        workshop = session.get(Workshop, workshop_id)
        if workshop is None or workshop.trainer_id != actor.person_id:
            raise NotFound(f"no workshop {workshop_id} among yours")
        notes = _comments(session, workshop_id)
        rows = [
            _row(workshop, person, draft, version, notes.get(draft.id, []), all_versions)
            for person, draft, version in session.execute(drafts)
        ]
        rows += [
            _row(workshop, person, None, None, [], all_versions)
            for person in session.scalars(no_drafts_yet)
        ]
    return sorted(
        rows, key=lambda r: (r["participant"].casefold(), r["draft_id"] or 0, r["version"] or 0)
    )


def _comments(session: Any, workshop_id: int) -> dict[int, list[dict[str, Any]]]:
    """The workshop's comments by draft, oldest first, with the version number they are on."""
    rows = session.execute(
        select(Comment, Person.name, DraftVersion.number)
        .join(Draft, Draft.id == Comment.draft_id)
        .join(Person, Person.id == Comment.author_id)
        .outerjoin(DraftVersion, DraftVersion.id == Comment.version_id)
        .where(Draft.workshop_id == workshop_id)
        .order_by(Comment.id)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for comment, author, number in rows:
        found.setdefault(comment.draft_id, []).append(
            {
                "body": comment.body,
                "quote": comment.quote,
                "version": number,
                "author": author,
                "at": _iso(comment.created_at),
            }
        )
    return found


def person_export(db: Database, actor: Actor) -> dict[str, Any]:
    """The actor's own drafts with every version, and their records, as one JSON document."""
    with db.read() as session:
        person = session.get(Person, actor.person_id)
        if person is None:
            raise NotFound("unknown person; log in again")
        drafts = session.scalars(
            select(Draft).where(Draft.owner_id == person.id).order_by(Draft.id)
        ).all()
        versions = session.scalars(
            select(DraftVersion)
            .join(Draft, Draft.id == DraftVersion.draft_id)
            .where(Draft.owner_id == person.id)
            .order_by(DraftVersion.draft_id, DraftVersion.number)
        ).all()
        records = session.scalars(
            select(Record).where(Record.owner_id == person.id).order_by(Record.kind, Record.key)
        ).all()
        by_draft: dict[int, list[dict[str, Any]]] = {}
        for v in versions:
            by_draft.setdefault(v.draft_id, []).append(
                {
                    "number": v.number,
                    "story_type": v.story_type,
                    "saved_at": _iso(v.created_at),
                    "text": v.text,
                    "report": v.report,
                    "rubric_version": v.rubric_version,
                    "prompt_version": v.prompt_version,
                }
            )
        return {
            "schema": PERSON_EXPORT_SCHEMA,
            "person": {"name": person.name, "role": person.role},
            "drafts": [
                {
                    "id": d.id,
                    "title": d.title,
                    "workshop_id": d.workshop_id,
                    "created_at": _iso(d.created_at),
                    "updated_at": _iso(d.updated_at),
                    "versions": by_draft.get(d.id, []),
                }
                for d in drafts
            ],
            "records": [
                {
                    "kind": r.kind,
                    "key": r.key,
                    "revision": r.revision,
                    "updated_at": _iso(r.updated_at),
                    "data": r.data,
                }
                for r in records
            ],
        }


def _row(
    workshop: Workshop,
    person: Person,
    draft: Draft | None,
    version: DraftVersion | None,
    notes: list[dict[str, Any]],
    all_versions: bool,
) -> dict[str, Any]:
    report = version.report if version is not None else None
    if all_versions and version is not None:  # each comment on the row of its own version
        latest = version.number == (draft.latest_number if draft else 0)
        notes = [
            n for n in notes if n["version"] == version.number or (latest and n["version"] is None)
        ]
    return {
        "workshop_id": workshop.id,
        "workshop": workshop.name,
        "participant_id": person.id if draft is None or draft.participant is None else None,
        "participant": (draft.participant if draft is not None else None) or person.name,
        "draft_id": draft.id if draft else None,
        "title": draft.title if draft else None,
        "version": version.number if version else None,
        "versions": draft.latest_number if draft else 0,
        "story_type": version.story_type if version else None,
        "saved_at": _iso(version.created_at) if version else None,
        "words": len(version.text.split()) if version else 0,
        "overall": report.get("overall") if is_assessed(report) else None,
        "rubric_version": version.rubric_version if version else None,
        "prompt_version": version.prompt_version if version else None,
        "scores": criterion_scores(report),
        "text": version.text if version else None,
        "report": report,
        "comments": notes,
    }


def criterion_scores(report: Any) -> dict[str, Any]:
    """``{criterion id: score}`` from a Report dict; empty when there is no usable report."""
    if not is_assessed(report) or not isinstance(report.get("criteria"), list):
        return {}
    return {
        str(item["id"]): item.get("score")
        for item in report["criteria"]
        if isinstance(item, dict) and "id" in item
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
