"""Drafts and versions, on SQLite and PostgreSQL: autosave, restore, reports, delete."""

from __future__ import annotations

from datetime import UTC

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coach.errors import InputError, ServiceError
from coach.storage import Access, Database, Drafts, NotFound
from coach.storage.models import Base, Comment, DraftVersion, Rehearsal

STORY = "I grew up in a town where the mill closed. I chose to organise. Join us on Friday."
REPORT = {
    "schema": "narrative-coach/report/v1",
    "overall": 71,
    "criteria": [{"id": "challenge", "score": 2, "evidence": [{"start": 0, "end": 9}]}],
    "note": "ünïcödé ✓",
}


def test_the_schema_from_migrations_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_opening_twice_is_harmless(database_url: str) -> None:
    for _ in range(2):
        with Database(database_url) as db:
            assert db.integrity_check() == "ok"


def test_the_local_owner_is_one_person(access: Access) -> None:
    assert access.local_actor() == access.local_actor()
    assert access.local_actor().role == "local"


def test_autosave_makes_a_version_only_when_something_changed(
    access: Access, drafts: Drafts
) -> None:
    me = access.local_actor()
    first = drafts.save_draft(me, "Story of self", STORY, "self")
    same = drafts.save_draft(me, "Story of self", STORY, "self", draft_id=first.draft_id)
    edited = drafts.save_draft(
        me, "Story of self", STORY + " Now.", "self", draft_id=first.draft_id
    )
    retyped = drafts.save_draft(
        me, "Story of self", STORY + " Now.", "now", draft_id=first.draft_id
    )

    assert (first.number, same.number, edited.number, retyped.number) == (1, 1, 2, 3)
    assert same.id == first.id
    assert [v.text for v in drafts.list_versions(me, first.draft_id)] == [
        STORY,
        STORY + " Now.",
        STORY + " Now.",
    ]
    assert drafts.latest_version(me, first.draft_id) == retyped


def test_a_new_title_renames_without_a_new_version(access: Access, drafts: Drafts) -> None:
    me = access.local_actor()
    v = drafts.save_draft(me, "Working title", STORY, "self")
    drafts.save_draft(me, "  Final   title ", STORY, "self", draft_id=v.draft_id)
    info = drafts.get_draft(me, v.draft_id)
    assert (info.title, info.latest_number) == ("Final title", 1)


def test_restore_makes_an_old_version_the_newest(access: Access, drafts: Drafts) -> None:
    me = access.local_actor()
    v1 = drafts.save_draft(me, "t", "first words", "self")
    drafts.attach_report(me, v1.id, REPORT, rubric_version="default@1")
    drafts.save_draft(me, "t", "second words", "self", draft_id=v1.draft_id)

    restored = drafts.restore_version(me, v1.id)

    assert (restored.number, restored.text) == (3, "first words")
    assert restored.report == REPORT and restored.rubric_version == "default@1"
    assert drafts.restore_version(me, restored.id) == restored  # already the newest: no-op
    assert [v.number for v in drafts.list_versions(me, v1.draft_id)] == [1, 2, 3]


def test_a_report_round_trips_as_json_with_its_versions(access: Access, drafts: Drafts) -> None:
    me = access.local_actor()
    v = drafts.save_draft(me, "t", STORY, "now")
    drafts.attach_report(me, v.id, REPORT, rubric_version="default@1", prompt_version="coach@2")
    stored = drafts.get_version(me, v.id)
    assert stored.report == REPORT
    assert (stored.rubric_version, stored.prompt_version) == ("default@1", "coach@2")
    with pytest.raises(InputError):
        drafts.attach_report(me, v.id, ["not", "a", "dict"], rubric_version="x")  # type: ignore[arg-type]


def test_delete_removes_the_draft_and_everything_under_it(
    db: Database, access: Access, drafts: Drafts, workshop
) -> None:
    v = drafts.save_draft(workshop.ana, "t", STORY, "self")
    drafts.save_draft(workshop.ana, "t", STORY + "!", "self", draft_id=v.draft_id)
    drafts.add_comment(workshop.trainer, v.draft_id, "Lovely opening.", version_id=v.id)
    drafts.add_rehearsal(workshop.ana, v.draft_id, duration_s=60, words=130, version_id=v.id)

    drafts.delete_draft(workshop.ana, v.draft_id)

    with pytest.raises(NotFound):
        drafts.get_draft(workshop.ana, v.draft_id)
    with db.read() as session:
        for table in (DraftVersion, Comment, Rehearsal):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    with pytest.raises(NotFound):
        drafts.delete_draft(workshop.ana, v.draft_id)


def test_rehearsals_record_pace_and_pauses(access: Access, drafts: Drafts) -> None:
    me = access.local_actor()
    v = drafts.save_draft(me, "t", STORY, "self")
    drafts.add_rehearsal(me, v.draft_id, duration_s=120, words=270, pauses=[{"at": 31.5}])
    [rehearsal] = drafts.list_rehearsals(me, v.draft_id)
    assert (rehearsal.wpm, rehearsal.pauses) == (135.0, [{"at": 31.5}])
    with pytest.raises(InputError):
        drafts.add_rehearsal(me, v.draft_id, duration_s=0, words=10)


def test_a_recordings_pace_counts_only_the_time_spent_speaking(access, drafts) -> None:
    me = access.local_actor()
    v = drafts.save_draft(me, "t", STORY, "self")
    drafts.add_rehearsal(me, v.draft_id, duration_s=130, speaking_s=120, words=270)
    [rehearsal] = drafts.list_rehearsals(me, v.draft_id)
    assert (rehearsal.duration_s, rehearsal.wpm) == (130.0, 135.0)
    with pytest.raises(InputError, match="speaking time"):
        drafts.add_rehearsal(me, v.draft_id, duration_s=60, speaking_s=61, words=10)


def test_times_come_back_in_utc(access: Access, drafts: Drafts, clock) -> None:
    v = drafts.save_draft(access.local_actor(), "t", STORY, "self")
    assert v.created_at == clock.now and v.created_at.tzinfo is UTC
    assert drafts.get_version(access.local_actor(), v.id).created_at == clock.now


@pytest.mark.parametrize("text", ["", "emoji 👩🏽‍🏫 and RTL שלום", "line\nbreaks\r\n\ttabs"])
def test_any_unicode_text_round_trips(access: Access, drafts: Drafts, text: str) -> None:
    me = access.local_actor()
    v = drafts.save_draft(me, "t", text, "self")
    assert drafts.get_version(me, v.id).text == text


def test_unusable_input_gets_a_clear_refusal(access: Access, drafts: Drafts) -> None:
    me = access.local_actor()
    with pytest.raises(InputError, match="NUL"):
        drafts.save_draft(me, "t", "bad\x00byte", "self")
    with pytest.raises(InputError, match="story type"):
        drafts.save_draft(me, "t", STORY, " ")
    with pytest.raises(NotFound):
        drafts.save_draft(me, "t", STORY, "self", draft_id=999_999)


def test_an_unreachable_database_is_a_clear_service_error() -> None:
    with pytest.raises(ServiceError, match="cannot open the database .*:\\*\\*\\*@"):
        Database("postgresql://coach:secret@127.0.0.1:1/coach")  # the password never shows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=400), title=st.text(max_size=40))
def test_any_text_is_saved_exactly_or_clearly_refused(
    access: Access, drafts: Drafts, text: str, title: str
) -> None:
    me = access.local_actor()
    try:
        v = drafts.save_draft(me, title, text, "self")
    except InputError:
        assert "\x00" in text
        return
    assert drafts.get_version(me, v.id).text == text


def test_a_trainer_comments_on_one_sentence_of_a_version(
    access: Access, drafts: Drafts, workshop
) -> None:
    v = drafts.save_draft(
        workshop.ana, "t", "The bus stopped at 7 pm. I started a petition.", "self"
    )
    note = drafts.add_comment(
        workshop.trainer,
        v.draft_id,
        "Which night?",
        version_id=v.id,
        quote="The bus stopped at 7 pm.",
    )
    assert note.quote == "The bus stopped at 7 pm."
    assert [c.quote for c in drafts.list_comments(workshop.ana, v.draft_id)] == [note.quote]
    with pytest.raises(InputError, match="not in this version"):
        drafts.add_comment(workshop.trainer, v.draft_id, "?", version_id=v.id, quote="Elsewhere.")
    with pytest.raises(InputError, match="needs the version"):
        drafts.add_comment(workshop.trainer, v.draft_id, "?", quote="The bus stopped at 7 pm.")
