"""What the app keeps in the database, on top of the Drafts API (no Streamlit here).

Drafts and their versions are ordinary drafts. Workshops, live or uploaded, are the
workshop tables (``coach.storage.workshops``): an uploaded participant's texts are versions
of one draft that carries their name, and comments are comment rows either way. Two more
things must survive a reload; each is a *record* (``coach.storage.Records``, one JSON
document per person, kind and key):

* preferences (pace, default story type, LLM endpoint and model, a custom rubric; never the key)
* the story builder's answers, one record per story type

Changes that read a record first (a preference, the builder's draft) are saved only if
nobody saved the record in between, and redone on the fresh record otherwise, so a tab does
not undo another tab's change to something else (the builder sends only the answers that
changed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
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
    workshop_rows,
)
from coach.storage.workshops import Workshops

PREFERENCES, BUILDER = "preferences", "builder"
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


@dataclass
class WorkshopView:
    """One workshop as a review shows it: participant name -> draft id, and their comments.

    ``id`` is None for an uploaded workshop that has nothing in it yet (it is made on the
    first upload). A live workshop's names are the participants' own; an uploaded one's are
    the names given at upload.
    """

    name: str
    id: int | None = None
    kind: str = "uploaded"
    story_type: str = "self"
    participants: dict[str, int] = field(default_factory=dict)
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def is_live(self) -> bool:
        return self.kind == "live"


@dataclass(frozen=True)
class Workspace:
    """One person's drafts and records."""

    drafts: Drafts
    records: Records
    actor: Actor

    # -- drafts ------------------------------------------------------------------------

    def my_drafts(self) -> list[DraftInfo]:
        """The person's own drafts, newest first, without participants' texts."""
        return [
            d
            for d in self.drafts.list_drafts(self.actor)
            if d.owner_id == self.actor.person_id and d.participant is None
        ]

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

    # -- workshops ---------------------------------------------------------------------

    @property
    def _workshops(self) -> Workshops:
        return Workshops(self.drafts.db)

    def workshops(self) -> list[str]:
        """The names of this person's uploaded workshops, oldest first."""
        return [w.name for w in self._workshops.uploaded(self.actor)]

    def workshop(self, name: str) -> WorkshopView:
        """An uploaded workshop by name (empty, with no id, when there is none yet)."""
        found = self._workshops.find(self.actor, name)
        if found is None:
            return WorkshopView(name)
        return self._view(WorkshopView(found.name, found.id, "uploaded", found.story_type))

    def live_workshop(self, workshop_id: int, name: str) -> WorkshopView:
        """A trainer's workshop in the app: each participant's drafts and the comments on them."""
        return self._view(WorkshopView(name, workshop_id, "live"))

    def save_workshop(self, view: WorkshopView) -> None:
        """Make the uploaded workshop if needed, keep its story type, and read it back.

        Participants and comments that another tab added meanwhile show up in ``view``.
        """
        found = self._workshops.open(self.actor, view.name, view.story_type)
        if found.story_type != view.story_type:
            self._workshops.set_story_type(self.actor, found.id, view.story_type)
        stored = self._view(WorkshopView(found.name, found.id, "uploaded", view.story_type))
        view.id, view.participants, view.comments = stored.id, stored.participants, stored.comments

    def delete_workshop(self, name: str) -> int:
        """Delete an uploaded workshop with its drafts; returns how many drafts went.

        A workshop already gone is not an error (another tab deleted it): 0 drafts went.
        """
        found = self._workshops.find(self.actor, name)
        if found is None:
            return 0
        try:
            return self._workshops.delete(self.actor, found.id)
        except NotFound:
            return 0

    def add_participant_text(
        self, view: WorkshopView, participant: str, text: str, story_type: str
    ) -> Version:
        """Save a participant's text as the newest version of their draft in this workshop."""
        if view.id is None:
            self.save_workshop(view)
        assert view.id is not None
        version = self.drafts.save_participant_text(
            self.actor, view.id, participant, text.replace("\x00", ""), story_type
        )
        view.participants[participant] = version.draft_id
        return version

    def add_comment(
        self,
        view: WorkshopView,
        participant: str,
        body: str,
        version: Version,
        quote: str | None = None,
    ) -> None:
        """A comment on the participant's version, on one of its sentences when ``quote``."""
        if not body.strip():
            return
        self.drafts.add_comment(
            self.actor, view.participants[participant], body, version_id=version.id, quote=quote
        )
        view.comments = self._view(WorkshopView(view.name, view.id, view.kind)).comments

    def workshop_rows(self, view: WorkshopView) -> list[dict[str, Any]]:
        """The workshop's export rows (``coach.storage.export.workshop_rows``)."""
        if view.id is None:
            return []
        return workshop_rows(self.drafts.db, self.actor, view.id)

    def _view(self, view: WorkshopView) -> WorkshopView:
        assert view.id is not None
        for info in self.drafts.list_drafts(self.actor, workshop_id=view.id):
            if info.latest_number == 0:
                continue
            label = info.participant or info.owner_name
            if label in view.participants:
                label = f"{info.owner_name} — {info.title}"
            view.participants[label] = info.id
            numbers = {v.id: v.number for v in self.versions(info.id)}
            view.comments[label] = [
                {
                    "body": c.body,
                    "quote": c.quote,
                    "version": numbers.get(c.version_id),
                    "author": c.author_name,
                    "at": c.created_at.isoformat(timespec="seconds"),
                }
                for c in self.drafts.list_comments(self.actor, info.id)
            ]
        return view


def _builder(data: dict[str, Any]) -> dict[str, Any]:
    answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    found = {"answers": {str(k): str(v) for k, v in answers.items()}}
    if data.get("draft_id") is not None:
        found["draft_id"] = data["draft_id"]
    return found
