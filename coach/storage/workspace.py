"""What the app keeps in the database, on top of the Drafts API (no Streamlit here).

Drafts and their versions are ordinary drafts. Three more things must survive a reload;
each is a *record* (``coach.storage.Records``, one JSON document per person, kind and key):

* preferences (pace, default story type, LLM endpoint and model, a custom rubric; never the key)
* the story builder's answers, one record per story type
* an uploaded workshop's review: which draft holds each participant's texts, and the
  trainer's comments

Changes that read a record first (a preference, the builder's draft, a workshop's
participants, a comment) are saved only if nobody saved the record in between, and redone
on the fresh record otherwise, so a tab does not undo another tab's change to something
else (the builder sends only the answers that changed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from coach.storage import (
    Actor,
    DraftInfo,
    Drafts,
    NotFound,
    Records,
    RevisionConflict,
    Version,
    person_export,
)

#: Titles of the drafts that hold an uploaded workshop's participant texts; the draft
#: lists hide them (they are shown in Workshop review instead).
PARTICIPANT_PREFIX = "narrative-coach/review/"
PREFERENCES, BUILDER, WORKSHOP = "preferences", "builder", "workshop"
UPDATE_TRIES = 5

_VERSIONED_NAME = re.compile(
    r"^(?P<who>.*?)[\s_\-.]*(?:\((?P<paren>\d+)\)|(?:v|version|draft|rev)[\s_\-.]?(?P<n>\d+))$",
    re.IGNORECASE,
)


def split_version(name: str) -> tuple[str, int]:
    """``"ana_v2"`` -> ``("ana", 2)``: a participant's files upload as versions of one draft."""
    match = _VERSIONED_NAME.match(name.strip())
    if match and match.group("who").strip():
        number = match.group("paren") or match.group("n")
        return match.group("who").strip(), int(number)
    return name.strip(), 0


def is_user_draft(info: DraftInfo) -> bool:
    return not info.title.startswith(PARTICIPANT_PREFIX)


@dataclass
class WorkshopRecord:
    """A workshop review: participant name -> draft id, and comments per participant.

    ``live_id`` is set for a trainer's workshop in the app (participants joined with its
    code and wrote their drafts here); then drafts and comments come from the Drafts API.
    Otherwise the drafts were uploaded and the record itself keeps the comments.
    """

    name: str
    participants: dict[str, int] = field(default_factory=dict)
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    story_type: str = "self"
    live_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "comments": self.comments,
            "story_type": self.story_type,
        }


@dataclass(frozen=True)
class Workspace:
    """One person's drafts and records."""

    drafts: Drafts
    records: Records
    actor: Actor

    # -- drafts ------------------------------------------------------------------------

    def my_drafts(self) -> list[DraftInfo]:
        """The person's own drafts, newest first, without uploaded participants' texts."""
        return [d for d in self.drafts.list_drafts(self.actor) if is_user_draft(d)]

    def latest(self, draft_id: int) -> Version:
        return self.drafts.latest_version(self.actor, draft_id)

    def versions(self, draft_id: int) -> list[Version]:
        return self.drafts.list_versions(self.actor, draft_id)

    def autosave(self, title: str, text: str, story_type: str, draft_id: int | None) -> Version:
        """A new version when the text or story type changed; the latest one otherwise.

        NUL characters (pasted from a binary file, invisible in the editor) are left out:
        the database cannot hold them, and refusing the save would lose the whole draft.
        """
        return self.drafts.save_draft(
            self.actor,
            title or "Untitled draft",
            text.replace("\x00", ""),
            story_type,
            draft_id=draft_id,
        )

    def attach(
        self, version_id: int, report: dict[str, Any], rubric_version: str, prompt: str | None
    ) -> None:
        self.drafts.attach_report(
            self.actor, version_id, report, rubric_version=rubric_version, prompt_version=prompt
        )

    def restore(self, version_id: int) -> Version:
        return self.drafts.restore_version(self.actor, version_id)

    def export_json(self) -> str:
        """Everything this person owns, drafts and records, as one JSON document."""
        document = person_export(self.drafts.db, self.actor)
        return json.dumps(document, ensure_ascii=False, indent=1)

    # -- records -----------------------------------------------------------------------

    def _read(self, kind: str, key: str) -> dict[str, Any]:
        record = self.records.get(self.actor, kind, key)
        return dict(record.data) if record is not None else {}

    def _update(
        self, kind: str, key: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        """Save ``change(fresh data)``; redone on the newer data if someone saved meanwhile."""
        for attempt in range(UPDATE_TRIES):
            record = self.records.get(self.actor, kind, key)
            data = change(dict(record.data) if record is not None else {})
            try:
                saved = self.records.put(
                    self.actor, kind, key, data, expected_revision=record.revision if record else 0
                )
            except RevisionConflict:
                if attempt == UPDATE_TRIES - 1:
                    raise
                continue
            return saved.data
        raise AssertionError("unreachable")

    # -- preferences --------------------------------------------------------------------

    def preferences(self) -> dict[str, Any]:
        return self._read(PREFERENCES, "")

    def save_preferences(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` (``None`` removes a setting) to the stored preferences.

        Only the settings named change, on the preferences as stored now, so a tab opened
        earlier cannot undo another tab's change to a different setting. Returns all of
        them. Nothing whose name contains "key" is ever stored (API keys stay in memory).
        """

        def change(stored: dict[str, Any]) -> dict[str, Any]:
            merged = {**stored, **changes}
            return {k: v for k, v in merged.items() if v is not None and "key" not in k.lower()}

        return self._update(PREFERENCES, "", change)

    # -- story builder ------------------------------------------------------------------

    def builder(self, story_type: str) -> dict[str, Any]:
        """``{"answers": {question id: text}, "draft_id": id of the assembled draft}``."""
        return _builder(self._read(BUILDER, story_type))

    def save_builder(
        self, story_type: str, answers: dict[str, str], draft_id: int | None = None
    ) -> None:
        """Store the answers given (others stay as stored) and, if given, the draft's id.

        Pass only the answers that changed: another tab's answers to other questions survive.
        """

        def change(data: dict[str, Any]) -> dict[str, Any]:
            stored = _builder(data)
            known = draft_id if draft_id is not None else stored.get("draft_id")
            merged = {**stored["answers"], **answers}
            return {"answers": merged, **({"draft_id": known} if known is not None else {})}

        self._update(BUILDER, story_type, change)

    # -- workshop reviews -------------------------------------------------------------

    def workshops(self) -> list[str]:
        return self.records.list_keys(self.actor, WORKSHOP)

    def workshop(self, name: str) -> WorkshopRecord:
        return _workshop(name, self._read(WORKSHOP, name))

    def save_workshop(self, record: WorkshopRecord) -> None:
        """Add the record's participants and keep its story type; comments are never dropped.

        Participants saved by another tab meanwhile stay; comments are only added by
        :meth:`add_comment`, so the stored ones are kept as they are.
        """

        def change(data: dict[str, Any]) -> dict[str, Any]:
            stored = _workshop(record.name, data)
            stored.participants.update(record.participants)
            stored.story_type = record.story_type
            return stored.to_dict()

        saved = _workshop(record.name, self._update(WORKSHOP, record.name, change))
        record.participants, record.comments = saved.participants, saved.comments

    def delete_workshop(self, name: str) -> int:
        """Delete an uploaded workshop: its participants' drafts, then its record.

        Returns how many drafts went. Drafts already gone are skipped, so a second try
        after an interruption finishes the job.
        """
        prefix = _participant_title(name, "")
        gone = 0
        for info in self.drafts.list_drafts(self.actor):
            if info.owner_id == self.actor.person_id and info.title.startswith(prefix):
                self.drafts.delete_draft(self.actor, info.id)  # by title: another tab's too
                gone += 1
        try:
            self.records.delete(self.actor, WORKSHOP, name)
        except NotFound:
            pass  # deleted meanwhile (another tab): the job is done
        return gone

    def add_participant_text(
        self, record: WorkshopRecord, participant: str, text: str, story_type: str
    ) -> Version:
        """Save a participant's text as the newest version of their draft in this workshop.

        A new participant's draft is claimed in the stored record at once; if another tab
        claimed the same name meanwhile, the text goes to that draft instead (no orphans).
        """
        title = _participant_title(record.name, participant)
        known = record.participants.get(participant)
        version = self.drafts.save_draft(self.actor, title, text, story_type, draft_id=known)
        if known is not None:
            return version

        def claim(data: dict[str, Any]) -> dict[str, Any]:
            stored = _workshop(record.name, data)
            if not data:  # the first save of this workshop
                stored.story_type = record.story_type
            stored.participants.setdefault(participant, version.draft_id)
            return stored.to_dict()

        mine = version.draft_id
        try:
            saved = _workshop(record.name, self._update(WORKSHOP, record.name, claim))
            owner = saved.participants[participant]
            if owner != mine:  # another tab added this participant first
                version = self.drafts.save_draft(
                    self.actor, title, text, story_type, draft_id=owner
                )
        except Exception:
            self.drafts.delete_draft(self.actor, mine)  # nothing points at it: no orphan
            raise
        if version.draft_id != mine:
            self.drafts.delete_draft(self.actor, mine)
        record.participants.update(saved.participants)
        return version

    def live_workshop(self, workshop_id: int, name: str) -> WorkshopRecord:
        """A trainer's workshop in the app: each participant's drafts and the comments on them."""
        record = WorkshopRecord(name, live_id=workshop_id)
        for info in self.drafts.list_drafts(self.actor, workshop_id=workshop_id):
            if not is_user_draft(info) or info.latest_number == 0:
                continue
            label = info.owner_name
            if label in record.participants:
                label = f"{info.owner_name} — {info.title}"
            record.participants[label] = info.id
            numbers = {v.id: v.number for v in self.versions(info.id)}
            record.comments[label] = [
                {
                    "body": c.body,
                    "version": numbers.get(c.version_id),
                    "author": c.author_name,
                    "at": c.created_at.isoformat(timespec="seconds"),
                }
                for c in self.drafts.list_comments(self.actor, info.id)
            ]
        return record

    def add_comment(
        self, record: WorkshopRecord, participant: str, body: str, version: Version
    ) -> None:
        body = body.strip()
        if not body:
            return
        if record.live_id is not None:
            draft_id = record.participants[participant]
            self.drafts.add_comment(self.actor, draft_id, body, version_id=version.id)
            record.comments[participant] = self.live_workshop(record.live_id, record.name).comments[
                participant
            ]
            return
        note = {
            "body": body,
            "version": version.number,
            "author": self.actor.name,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }

        def change(data: dict[str, Any]) -> dict[str, Any]:
            fresh = _workshop(record.name, data)  # another tab may have commented meanwhile
            fresh.comments.setdefault(participant, []).append(note)
            return fresh.to_dict()

        record.comments = _workshop(
            record.name, self._update(WORKSHOP, record.name, change)
        ).comments


def _participant_title(workshop: str, participant: str) -> str:
    return f"{PARTICIPANT_PREFIX}{workshop} · {participant}"


def _builder(data: dict[str, Any]) -> dict[str, Any]:
    answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    found = {"answers": {str(k): str(v) for k, v in answers.items()}}
    if data.get("draft_id") is not None:
        found["draft_id"] = data["draft_id"]
    return found


def _workshop(name: str, data: dict[str, Any]) -> WorkshopRecord:
    return WorkshopRecord(
        name,
        {str(k): int(v) for k, v in (data.get("participants") or {}).items()},
        {str(k): list(v) for k, v in (data.get("comments") or {}).items()},
        str(data.get("story_type") or "self"),
    )
