"""Records: small JSON documents the app keeps per person, one per (kind, key).

Preferences (key ``""``), the story builder's answers (key: the story type) and an uploaded
workshop's review (key: its name) are records, not drafts: they never show up in a
person's drafts, counts or exports of drafts. Only the owner reads or writes them; the
owner is checked by person id in SQL, as for drafts.

Every save adds one to the record's ``revision``. Pass the revision you read as
``expected_revision`` (``0``: "it does not exist yet") and a save made in between is not
overwritten: you get :class:`RevisionConflict`, read again and redo your change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.errors import InputError, ServiceError
from coach.storage.access import Clock
from coach.storage.actor import Actor
from coach.storage.db import Database
from coach.storage.errors import NotFound, RevisionConflict
from coach.storage.models import Person, Record, utcnow

KINDS = ("preferences", "builder", "workshop")
MAX_KEY = 200
MAX_DATA_BYTES = 2 * 1024 * 1024  # room for a custom rubric (uploads are at most 1 MB)


@dataclass(frozen=True)
class RecordInfo:
    kind: str
    key: str
    data: dict[str, Any]
    revision: int
    created_at: datetime
    updated_at: datetime


class Records:
    """The record service over one :class:`Database`."""

    def __init__(self, db: Database, *, clock: Clock = utcnow, retries: int = 5) -> None:
        self.db = db
        self.clock = clock
        self.retries = retries

    def get(self, actor: Actor, kind: str, key: str = "") -> RecordInfo | None:
        _check_kind(kind)
        with self.db.read() as session:
            record = session.scalar(_mine(actor, kind, key))
            return None if record is None else _stored(record)

    def put(
        self,
        actor: Actor,
        kind: str,
        key: str,
        data: dict[str, Any],
        *,
        expected_revision: int | None = None,
    ) -> RecordInfo:
        """Create or replace the record; returns it with its new revision.

        With ``expected_revision`` the save happens only if the record is still at that
        revision (``0``: not saved yet); otherwise :class:`RevisionConflict`. Without it the
        last save wins.
        """
        _check_kind(kind)
        _check_key(key)
        data = _clean_data(data)
        for attempt in range(self.retries):
            try:
                with self.db.write() as session:
                    return self._put(session, actor, kind, key, data, expected_revision)
            except IntegrityError as exc:  # someone created it at the same moment: look again
                if attempt == self.retries - 1:
                    raise ServiceError(f"could not save after {self.retries} tries: {exc}") from exc
        raise AssertionError("unreachable")

    def list_keys(self, actor: Actor, kind: str) -> list[str]:
        _check_kind(kind)
        with self.db.read() as session:
            keys = session.scalars(
                select(Record.key)
                .where(Record.owner_id == actor.person_id, Record.kind == kind)
                .order_by(Record.key)
            )
            return list(keys)

    def delete(self, actor: Actor, kind: str, key: str = "") -> None:
        _check_kind(kind)
        with self.db.write() as session:
            result = session.execute(
                delete(Record).where(
                    Record.owner_id == actor.person_id, Record.kind == kind, Record.key == key
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound(f"no {_label(kind, key)} of yours")

    def _put(
        self,
        session: Session,
        actor: Actor,
        kind: str,
        key: str,
        data: dict[str, Any],
        expected_revision: int | None,
    ) -> RecordInfo:
        record = session.scalar(_mine(actor, kind, key).with_for_update())
        current = record.revision if record is not None else 0
        if expected_revision is not None and expected_revision != current:
            raise RevisionConflict(
                f"the {_label(kind, key)} changed since it was read (now revision {current}, "
                f"expected {expected_revision}); read it again and redo the change",
                current_revision=current,
            )
        now = self.clock()
        if record is None:
            if session.get(Person, actor.person_id) is None:
                raise NotFound("unknown person; log in again")
            record = Record(
                owner_id=actor.person_id,
                kind=kind,
                key=key,
                data=data,
                revision=1,
                created_at=now,
                updated_at=now,
            )
            session.add(record)
        else:
            record.data = data
            record.revision += 1
            record.updated_at = now
        session.flush()
        return _stored(record)


def _mine(actor: Actor, kind: str, key: str) -> Select[tuple[Record]]:
    return select(Record).where(
        Record.owner_id == actor.person_id, Record.kind == kind, Record.key == key
    )


def _label(kind: str, key: str) -> str:
    return f"{kind} record {key!r}" if key else f"{kind} record"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InputError(f"unknown record kind {kind!r}; use one of {', '.join(KINDS)}")


def _check_key(key: str) -> None:
    if not isinstance(key, str) or "\x00" in key or len(key) > MAX_KEY:
        raise InputError(f"a record's key is text of at most {MAX_KEY} characters, without NUL")


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    """The data as it will come back (a JSON round trip), or InputError saying why not."""
    if not isinstance(data, dict):
        raise InputError("a record's data must be a JSON object (a dict)")
    try:
        encoded = json.dumps(data, ensure_ascii=False, allow_nan=False)
        size = len(encoded.encode("utf-8"))
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError (a lone surrogate) included
        raise InputError(f"a record's data is not JSON-serialisable: {exc}") from exc
    if _has_nul(data):  # PostgreSQL's JSONB cannot hold NUL; refuse it on both
        raise InputError("a record's data cannot contain NUL characters")
    if size > MAX_DATA_BYTES:
        raise InputError(
            f"a record's data can be at most {MAX_DATA_BYTES // 1024 // 1024} MiB as JSON "
            f"(this is {size / 1024 / 1024:.1f} MiB)"
        )
    return json.loads(encoded)


def _has_nul(value: Any) -> bool:
    """A NUL character in any key or string (a literal backslash-u-0000 text is fine)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _stored(record: Record) -> RecordInfo:
    return RecordInfo(
        kind=record.kind,
        key=record.key,
        data=record.data,
        revision=record.revision,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
