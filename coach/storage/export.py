"""Exports: a workshop as rows for its trainer, and everything one person owns, for them.

Workshop rows: one per participant's draft (its latest version, or every version).
Participants who have not saved anything yet still get a row, so the trainer's table shows
who is missing. Scores are read from the stored Report JSON (``overall`` and each criterion's
``score``); the report itself is kept opaque and only included whole in the JSON export.
A participant's records (preferences, builder answers) are theirs alone: they are in the
person's own export, never in a trainer's.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from sqlalchemy import and_, select

from coach.storage.actor import Actor
from coach.storage.db import Database
from coach.storage.errors import NotFound
from coach.storage.models import Draft, DraftVersion, Participant, Person, Record, Workshop

EXPORT_SCHEMA = "narrative-coach/workshop-export/v1"
PERSON_EXPORT_SCHEMA = "narrative-coach/person-export/v1"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BASE_COLUMNS = [
    "workshop_id",
    "workshop",
    "participant_id",
    "participant",
    "draft_id",
    "title",
    "version",
    "versions",
    "story_type",
    "saved_at",
    "words",
    "overall",
    "rubric_version",
    "prompt_version",
]


def workshop_rows(
    db: Database, actor: Actor, workshop_id: int, *, all_versions: bool = False
) -> list[dict[str, Any]]:
    """Rows for the trainer who owns the workshop; anyone else gets NotFound."""
    version_match = DraftVersion.draft_id == Draft.id
    if not all_versions:
        version_match = and_(version_match, DraftVersion.number == Draft.latest_number)
    query = (
        select(Person, Draft, DraftVersion)
        .select_from(Participant)
        .join(Person, Person.id == Participant.person_id)
        .outerjoin(
            Draft, and_(Draft.owner_id == Person.id, Draft.workshop_id == Participant.workshop_id)
        )
        .outerjoin(DraftVersion, version_match)
        .where(Participant.workshop_id == workshop_id)
        .order_by(Person.name, Person.id, Draft.id, DraftVersion.number)
    )
    with db.read() as session:
        workshop = session.get(Workshop, workshop_id)
        if workshop is None or workshop.trainer_id != actor.person_id:
            raise NotFound(f"no workshop {workshop_id} among yours")
        return [_row(workshop, *found) for found in session.execute(query)]


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
    workshop: Workshop, person: Person, draft: Draft | None, version: DraftVersion | None
) -> dict[str, Any]:
    report = version.report if version is not None else None
    return {
        "workshop_id": workshop.id,
        "workshop": workshop.name,
        "participant_id": person.id,
        "participant": person.name,
        "draft_id": draft.id if draft else None,
        "title": draft.title if draft else None,
        "version": version.number if version else None,
        "versions": draft.latest_number if draft else 0,
        "story_type": version.story_type if version else None,
        "saved_at": _iso(version.created_at) if version else None,
        "words": len(version.text.split()) if version else 0,
        "overall": report.get("overall") if isinstance(report, dict) else None,
        "rubric_version": version.rubric_version if version else None,
        "prompt_version": version.prompt_version if version else None,
        "scores": criterion_scores(report),
        "text": version.text if version else None,
        "report": report,
    }


def criterion_scores(report: Any) -> dict[str, Any]:
    """``{criterion id: score}`` from a Report dict; empty when there is no usable report."""
    if not isinstance(report, dict) or not isinstance(report.get("criteria"), list):
        return {}
    return {
        str(item["id"]): item.get("score")
        for item in report["criteria"]
        if isinstance(item, dict) and "id" in item
    }


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """One column per criterion (``score:<id>``, in first-seen order), then the text."""
    rows = list(rows)
    criteria: dict[str, None] = {}
    for row in rows:
        criteria.update(dict.fromkeys(row["scores"]))
    columns = [*BASE_COLUMNS, *(f"score:{c}" for c in criteria), "text"]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        flat = {**row, **{f"score:{c}": s for c, s in row["scores"].items()}}
        writer.writerow({k: _cell(v) for k, v in flat.items()})


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: participants type these fields, trainers open them."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def write_json(rows: Iterable[dict[str, Any]], out: IO[str]) -> None:
    json.dump({"schema": EXPORT_SCHEMA, "rows": list(rows)}, out, ensure_ascii=False, indent=1)
    out.write("\n")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
