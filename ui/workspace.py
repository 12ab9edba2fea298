"""What the app keeps in the database, on top of the Drafts API (no Streamlit here).

Drafts and their versions are ordinary drafts. Three more things must survive a reload and
have no table of their own yet, so each is a *record*: a draft whose text is a small JSON
document, with a reserved title that the draft lists hide.

* preferences (pace, default story type, LLM endpoint and model, a custom rubric; never the key)
* the story builder's answers, one record per story type
* a workshop review: which draft holds each participant's texts, and the trainer's comments

Every save is a new version of the record, so nothing is overwritten in place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from coach.storage import Actor, DraftInfo, Drafts, Version

RESERVED = "narrative-coach/"
PREFS_TITLE = RESERVED + "preferences"
BUILDER_PREFIX = RESERVED + "builder/"
WORKSHOP_PREFIX = RESERVED + "workshop/"
PARTICIPANT_PREFIX = RESERVED + "review/"
RECORD_TYPE = "data"  # the story_type of a record's versions

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
    return not info.title.startswith(RESERVED)


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
    actor: Actor

    # -- drafts ------------------------------------------------------------------------

    def my_drafts(self) -> list[DraftInfo]:
        """The person's own drafts, newest first, without the app's records."""
        return [d for d in self.drafts.list_drafts(self.actor) if is_user_draft(d)]

    def latest(self, draft_id: int) -> Version:
        return self.drafts.latest_version(self.actor, draft_id)

    def versions(self, draft_id: int) -> list[Version]:
        return self.drafts.list_versions(self.actor, draft_id)

    def autosave(self, title: str, text: str, story_type: str, draft_id: int | None) -> Version:
        """A new version when the text or story type changed; the latest one otherwise."""
        return self.drafts.save_draft(
            self.actor, title or "Untitled draft", text, story_type, draft_id=draft_id
        )

    def attach(
        self, version_id: int, report: dict[str, Any], rubric_version: str, prompt: str | None
    ) -> None:
        self.drafts.attach_report(
            self.actor, version_id, report, rubric_version=rubric_version, prompt_version=prompt
        )

    def restore(self, version_id: int) -> Version:
        return self.drafts.restore_version(self.actor, version_id)

    # -- records -----------------------------------------------------------------------

    def _find(self, title: str) -> DraftInfo | None:
        for info in self.drafts.list_drafts(self.actor):
            if info.title == title and info.owner_id == self.actor.person_id:
                return info
        return None

    def read_record(self, title: str) -> tuple[int | None, dict[str, Any]]:
        info = self._find(title)
        if info is None or info.latest_number == 0:
            return None, {}
        try:
            data = json.loads(self.latest(info.id).text)
        except ValueError:
            data = {}
        return info.id, data if isinstance(data, dict) else {}

    def write_record(self, title: str, data: dict[str, Any]) -> int:
        info = self._find(title)
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        version = self.drafts.save_draft(
            self.actor, title, text, RECORD_TYPE, draft_id=info.id if info else None
        )
        return version.draft_id

    # -- preferences --------------------------------------------------------------------

    def preferences(self) -> dict[str, Any]:
        return self.read_record(PREFS_TITLE)[1]

    def save_preferences(self, prefs: dict[str, Any]) -> None:
        clean = {k: v for k, v in prefs.items() if "key" not in k.lower()}  # never a secret
        self.write_record(PREFS_TITLE, clean)

    # -- story builder ------------------------------------------------------------------

    def builder(self, story_type: str) -> dict[str, Any]:
        """``{"answers": {question id: text}, "draft_id": id of the assembled draft}``."""
        data = self.read_record(BUILDER_PREFIX + story_type)[1]
        answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
        return {"answers": {str(k): str(v) for k, v in answers.items()}, **_pick(data, "draft_id")}

    def save_builder(
        self, story_type: str, answers: dict[str, str], draft_id: int | None = None
    ) -> None:
        record: dict[str, Any] = {"answers": answers}
        if draft_id is None:
            draft_id = self.builder(story_type).get("draft_id")
        if draft_id is not None:
            record["draft_id"] = draft_id
        self.write_record(BUILDER_PREFIX + story_type, record)

    # -- workshop reviews -------------------------------------------------------------

    def workshops(self) -> list[str]:
        return sorted(
            info.title[len(WORKSHOP_PREFIX) :]
            for info in self.drafts.list_drafts(self.actor)
            if info.title.startswith(WORKSHOP_PREFIX) and info.owner_id == self.actor.person_id
        )

    def workshop(self, name: str) -> WorkshopRecord:
        data = self.read_record(WORKSHOP_PREFIX + name)[1]
        return WorkshopRecord(
            name,
            {str(k): int(v) for k, v in (data.get("participants") or {}).items()},
            {str(k): list(v) for k, v in (data.get("comments") or {}).items()},
            str(data.get("story_type") or "self"),
        )

    def save_workshop(self, record: WorkshopRecord) -> None:
        self.write_record(WORKSHOP_PREFIX + record.name, record.to_dict())

    def add_participant_text(
        self, record: WorkshopRecord, participant: str, text: str, story_type: str
    ) -> Version:
        """Save a participant's text as the newest version of their draft in this workshop."""
        title = f"{PARTICIPANT_PREFIX}{record.name} · {participant}"
        version = self.drafts.save_draft(
            self.actor, title, text, story_type, draft_id=record.participants.get(participant)
        )
        record.participants[participant] = version.draft_id
        return version

    def live_workshop(self, workshop_id: int, name: str) -> WorkshopRecord:
        """A trainer's workshop in the app: each participant's drafts and the comments on them."""
        record = WorkshopRecord(name, live_id=workshop_id)
        for info in self.drafts.list_drafts(self.actor, workshop_id=workshop_id):
            if not is_user_draft(info) or info.latest_number == 0:
                continue  # a participant's preferences and builder answers stay private
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
        fresh = self.workshop(record.name)  # another tab may have commented meanwhile
        fresh.comments.setdefault(participant, []).append(note)
        self.save_workshop(fresh)
        record.comments = fresh.comments


def _pick(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: data[n] for n in names if data.get(n) is not None}
