"""Migrations: each one moves old data to its new place and loses nothing.

0002 (records out of fake drafts) is tested on data written with 0001's own columns
(``old_release``); 0003 (one workshop model) on the database file that release 34e143e
made with its own services (``fixtures/release-34e143e.sqlite``, see its script).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import old_release as old
import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from coach.storage import Access, Actor, Database, Drafts, Records
from coach.storage.db import alembic_config
from coach.storage.models import DraftVersion
from coach.storage.workspace import Workspace

ANA_TEXT = "The 22 bus stopped at 7 pm. I started a petition. Sign it on Saturday."
RELEASE_DB = Path(__file__).parent / "fixtures" / "release-34e143e.sqlite"


@pytest.fixture
def old_db(database_url: str) -> Iterator[Database]:
    """A database as release 0001 left it."""
    database = Database(database_url, migrate=False)
    database.upgrade("0001")
    yield database
    database.dispose()


def migrate(db: Database, target: str) -> None:
    with db.migration_connection() as connection:
        step = command.upgrade if target == "head" else command.downgrade
        step(alembic_config(connection), target)


def actor(db: Database, person_id: int) -> Actor:
    """The services' view of a person made with old SQL."""
    access = Access(db)
    if person_id == access.local_actor().person_id:
        return access.local_actor()
    from coach.storage.models import Person

    with db.read() as session:
        person = session.get_one(Person, person_id)
        return Actor(person.id, person.role, person.name)


def test_old_records_move_to_the_records_table(old_db: Database, clock) -> None:
    at = clock.now
    me_id = old.person(old_db, "local", "You", at)
    tess_id = old.person(old_db, "trainer", "Tess", at)
    story = old.draft(old_db, me_id, "Story of self", "I grew up by the mill.", "self", at)
    old.draft(
        old_db,
        me_id,
        "narrative-coach/review/Spring cohort · Ana",
        ANA_TEXT,
        "self",
        at,
        report={"overall": 71},
    )
    old.record(old_db, me_id, "narrative-coach/preferences", {"speaking_rate_wpm": 150}, at)
    builder = old.record(
        old_db, me_id, "narrative-coach/builder/self", {"answers": {"choice": "1"}}, at
    )
    newest_builder = {"answers": {"choice": "I stayed."}, "draft_id": story}
    old.record(old_db, me_id, "narrative-coach/builder/self", newest_builder, at, builder)
    review = {
        "participants": {"Ana": 2},
        "comments": {"Ana": [{"body": "Name the moment.", "version": 1, "author": "You"}]},
        "story_type": "self",
    }
    old.record(old_db, me_id, "narrative-coach/workshop/Spring cohort", review, at)
    old.record(old_db, me_id, "narrative-coach/builder/us", '{"answers": {"hope": "half a rec', at)
    mine = '{"what": "my own story, titled and written like a record"}'
    old.draft(old_db, me_id, "narrative-coach/workshop/mine", mine, "self", at)
    old.record(old_db, tess_id, "narrative-coach/preferences", {"default_story_type": "now"}, at)

    old_db.upgrade()

    me, trainer = actor(old_db, me_id), actor(old_db, tess_id)
    records, drafts = Records(old_db), Drafts(old_db)
    assert records.get(me, "preferences").data == {"speaking_rate_wpm": 150}
    assert records.get(me, "builder", "self").data == newest_builder  # the newest version
    assert records.get(trainer, "preferences").data == {"default_story_type": "now"}
    assert records.list_keys(me, "builder") == ["self"]  # the broken one did not move...
    assert sorted(d.title for d in drafts.list_drafts(me)) == [
        "Ana",  # 0003: the review's participant, now in an uploaded workshop
        "Story of self",
        "narrative-coach/builder/us",  # ...it stays a draft, so nothing is lost
        "narrative-coach/workshop/mine",  # a person's own draft is never touched
    ]
    workshop = Workspace(drafts, records, me).workshop("Spring cohort")
    assert [c["body"] for c in workshop.comments["Ana"]] == ["Name the moment."]
    assert drafts.list_drafts(trainer) == []
    with old_db.read() as session:
        kinds = select(func.count()).where(DraftVersion.story_type == "data")
        assert session.scalar(kinds) == 1  # the fake drafts' versions went with them


def test_a_newer_copy_of_a_record_wins_and_the_older_one_stays_a_draft(
    old_db: Database, clock
) -> None:
    """Two tabs could once create the same record twice; the app read the newest one."""
    me_id = old.person(old_db, "local", "You", clock.now)
    old.record(old_db, me_id, "narrative-coach/preferences", {"speaking_rate_wpm": 120}, clock.now)
    clock.advance(seconds=1)
    old.record(old_db, me_id, "narrative-coach/preferences", {"speaking_rate_wpm": 150}, clock.now)

    old_db.upgrade()

    me, drafts = actor(old_db, me_id), Drafts(old_db)
    assert Records(old_db).get(me, "preferences").data == {"speaking_rate_wpm": 150}
    [kept] = drafts.list_drafts(me)
    assert json.loads(drafts.latest_version(me, kept.id).text) == {"speaking_rate_wpm": 120}


def test_a_participants_unmovable_record_stays_private_from_the_trainer(
    old_db: Database, clock
) -> None:
    """A record that stays a draft loses its workshop, so the trainer's review never lists it."""
    at = clock.now
    tess_id = old.person(old_db, "trainer", "Tess", at)
    workshop_id = old.workshop(old_db, tess_id, "Spring cohort", "K7QM-2XHD", at)
    ana_id = old.join(old_db, workshop_id, "Ana", at)
    old.draft(old_db, ana_id, "My bus story", ANA_TEXT, "self", at, workshop_id=workshop_id)
    broken = '{"answers": {"hope": "my private answ'
    old.draft(
        old_db, ana_id, "narrative-coach/builder/self", broken, "data", at, workshop_id=workshop_id
    )  # how 0001 saved a participant's record: the leak

    old_db.upgrade()

    trainer, ana, drafts = actor(old_db, tess_id), actor(old_db, ana_id), Drafts(old_db)
    titles = [d.title for d in drafts.list_drafts(trainer, workshop_id=workshop_id)]
    assert titles == ["My bus story"]
    assert sorted(d.title for d in drafts.list_drafts(ana)) == [
        "My bus story",
        "narrative-coach/builder/self",  # still Ana's, nothing lost
    ]


def test_downgrade_puts_records_back_as_drafts(old_db: Database, clock) -> None:
    me_id = old.person(old_db, "local", "You", clock.now)
    old_db.upgrade()
    me, records = actor(old_db, me_id), Records(old_db)
    records.put(me, "preferences", "", {"speaking_rate_wpm": 140})
    records.put(me, "builder", "self", {"answers": {"choice": "I stayed."}})

    migrate(old_db, "0001")

    with old_db.engine.connect() as connection:
        assert "records" not in inspect(connection).get_table_names()
    back = {title: json.loads(text) for title, text in old.drafts_of(old_db, me_id).items()}
    assert back == {
        "narrative-coach/preferences": {"speaking_rate_wpm": 140},
        "narrative-coach/builder/self": {"answers": {"choice": "I stayed."}},
    }

    migrate(old_db, "head")  # and up again: the same records, no drafts left
    assert records.get(me, "builder", "self").data == {"answers": {"choice": "I stayed."}}
    assert records.get(me, "preferences").data == {"speaking_rate_wpm": 140}
    assert Drafts(old_db).list_drafts(me) == []


@pytest.fixture
def release_db(tmp_path: Path) -> Iterator[Database]:
    """A copy of the database release 34e143e made: schema 0002, every kind of data."""
    copy = tmp_path / "coach.db"
    shutil.copy(RELEASE_DB, copy)
    database = Database(f"sqlite:///{copy}")  # opening it upgrades it
    yield database
    database.dispose()


def test_a_database_from_the_last_release_upgrades_with_its_data_intact(release_db) -> None:
    drafts, records, access = Drafts(release_db), Records(release_db), Access(release_db)
    me = access.local_actor()
    mine = Workspace(drafts, records, me)
    [story] = mine.my_drafts()
    assert story.title == "My story of self" and story.latest_number == 2
    assert drafts.latest_version(me, story.id).report["overall"] == 64
    assert mine.preferences() == {"speaking_rate_wpm": 150, "default_story_type": "self"}
    assert mine.builder("self")["answers"] == {"challenge": "The mill closed."}

    assert mine.workshops() == ["Spring cohort"]  # the uploaded review, now a workshop
    spring = mine.workshop("Spring cohort")
    assert sorted(spring.participants) == ["Ana", "Ben"]
    assert [v.text for v in mine.versions(spring.participants["Ana"])] == [
        "The 22 bus stopped at 7 pm.",
        "The 22 bus stopped at 7 pm. I wrote.",
    ]
    [note] = spring.comments["Ana"]
    assert (note["body"], note["version"]) == ("Name the moment you chose.", 2)
    assert records.list_keys(me, "workshop") == []  # moved, not copied

    trainer = access.login("tess@example.org", "correct horse battery").actor
    [autumn] = access.list_workshops(trainer)
    view = Workspace(drafts, records, trainer).live_workshop(autumn.id, autumn.name)
    assert sorted(view.participants) == ["Cara", "Dev"]
    assert [c["body"] for c in view.comments["Dev"]] == ["Good detail. What did you do next?"]
    with release_db.engine.connect() as connection:
        versions = connection.exec_driver_sql("SELECT count(*) FROM draft_versions").scalar()
    assert versions == 7  # every version of every draft is still there


def test_the_workshop_upgrade_can_be_undone(release_db) -> None:
    migrate(release_db, "0002")  # no services on the old schema: read it with SQL
    with release_db.engine.connect() as connection:
        data = connection.exec_driver_sql(
            "SELECT data FROM records WHERE kind = 'workshop' AND key = 'Spring cohort'"
        ).scalar()
        comments = connection.exec_driver_sql("SELECT count(*) FROM comments").scalar()
    review = json.loads(data) if isinstance(data, str) else data
    assert sorted(review["participants"]) == ["Ana", "Ben"]
    assert review["comments"]["Ana"][0]["body"] == "Name the moment you chose."
    assert comments == 1  # the live workshop's comment stays a row
    migrate(release_db, "head")
    assert Workspace(
        Drafts(release_db), Records(release_db), Access(release_db).local_actor()
    ).workshops() == ["Spring cohort"]
