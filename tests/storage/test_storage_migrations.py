"""Migration 0002: the app's records move out of fake drafts into their own table, and back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, inspect, select
from storage_support import FAST_HASHER, PASSWORD

from coach.storage import Access, Actor, Database, Drafts, Records
from coach.storage.db import alembic_config
from coach.storage.models import DraftVersion

ANA_TEXT = "The 22 bus stopped at 7 pm. I started a petition. Sign it on Saturday."


@pytest.fixture
def old_db(database_url: str) -> Iterator[Database]:
    """A database as the previous release left it: schema 0001."""
    database = Database(database_url, migrate=False)
    with database.write_connection() as connection:
        command.upgrade(alembic_config(connection), "0001")
    yield database
    database.dispose()


def old_record(drafts: Drafts, actor: Actor, title: str, data: Any, draft_id: int | None = None):
    """How the app used to keep a record: a draft whose version text is JSON, type "data"."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, sort_keys=True)
    return drafts.save_draft(actor, title, text, "data", draft_id=draft_id)


def migrate(db: Database, target: str) -> None:
    with db.write_connection() as connection:
        step = command.upgrade if target == "head" else command.downgrade
        step(alembic_config(connection), target)


def test_old_records_move_to_the_records_table(old_db: Database, clock) -> None:
    access, drafts = Access(old_db, hasher=FAST_HASHER, clock=clock), Drafts(old_db, clock=clock)
    me = access.local_actor()
    trainer = access.create_trainer("tess@example.org", PASSWORD, name="Tess")
    story = drafts.save_draft(me, "Story of self", "I grew up by the mill.", "self")
    ana = drafts.save_draft(me, "narrative-coach/review/Spring cohort · Ana", ANA_TEXT, "self")
    drafts.attach_report(me, ana.id, {"overall": 71}, rubric_version="default@1")
    old_record(drafts, me, "narrative-coach/preferences", {"speaking_rate_wpm": 150})
    builder = old_record(drafts, me, "narrative-coach/builder/self", {"answers": {"choice": "1"}})
    newest_builder = {"answers": {"choice": "I stayed."}, "draft_id": story.draft_id}
    old_record(drafts, me, "narrative-coach/builder/self", newest_builder, builder.draft_id)
    review = {
        "participants": {"Ana": ana.draft_id},
        "comments": {"Ana": [{"body": "Name the moment.", "version": 1, "author": "You"}]},
        "story_type": "self",
    }
    old_record(drafts, me, "narrative-coach/workshop/Spring cohort", review)
    old_record(drafts, me, "narrative-coach/builder/us", '{"answers": {"hope": "half a rec')
    mine = '{"what": "my own story, titled and written like a record"}'
    drafts.save_draft(me, "narrative-coach/workshop/mine", mine, "self")  # not type "data"
    old_record(drafts, trainer, "narrative-coach/preferences", {"default_story_type": "now"})

    old_db.upgrade()

    records = Records(old_db)
    assert records.get(me, "preferences").data == {"speaking_rate_wpm": 150}
    assert records.get(me, "builder", "self").data == newest_builder  # the newest version
    assert records.get(me, "workshop", "Spring cohort").data == review
    assert records.get(me, "workshop", "Spring cohort").revision == 1
    assert records.get(me, "workshop", "Spring cohort").updated_at == clock.now  # times kept
    assert records.get(trainer, "preferences").data == {"default_story_type": "now"}
    assert records.list_keys(me, "builder") == ["self"]  # the broken one did not move...
    assert sorted(d.title for d in drafts.list_drafts(me)) == [
        "Story of self",
        "narrative-coach/builder/us",  # ...it stays a draft, so nothing is lost
        "narrative-coach/review/Spring cohort · Ana",  # participants' texts stay drafts
        "narrative-coach/workshop/mine",  # a person's own draft is never touched
    ]
    assert records.list_keys(me, "workshop") == ["Spring cohort"]
    assert drafts.list_drafts(trainer) == []
    assert drafts.get_version(me, ana.id).report == {"overall": 71}
    with old_db.read() as session:
        kinds = select(func.count()).where(DraftVersion.story_type == "data")
        assert session.scalar(kinds) == 1  # the fake drafts' versions went with them


def test_a_newer_copy_of_a_record_wins_and_the_older_one_stays_a_draft(
    old_db: Database, clock
) -> None:
    """Two tabs could once create the same record twice; the app read the newest one."""
    drafts = Drafts(old_db, clock=clock)
    me = Access(old_db, clock=clock).local_actor()
    old_record(drafts, me, "narrative-coach/preferences", {"speaking_rate_wpm": 120})
    clock.advance(seconds=1)
    old_record(drafts, me, "narrative-coach/preferences", {"speaking_rate_wpm": 150})

    old_db.upgrade()

    assert Records(old_db).get(me, "preferences").data == {"speaking_rate_wpm": 150}
    [kept] = drafts.list_drafts(me)
    assert json.loads(drafts.latest_version(me, kept.id).text) == {"speaking_rate_wpm": 120}


def test_a_participants_unmovable_record_stays_private_from_the_trainer(
    old_db: Database, clock
) -> None:
    """A record that stays a draft loses its workshop, so the trainer's review never lists it."""
    access, drafts = Access(old_db, hasher=FAST_HASHER, clock=clock), Drafts(old_db, clock=clock)
    trainer = access.create_trainer("tess@example.org", PASSWORD, name="Tess")
    new = access.create_workshop(trainer, "Spring cohort")
    ana = access.join(new.join_code, "Ana").actor
    drafts.save_draft(ana, "My bus story", ANA_TEXT, "self")
    broken = '{"answers": {"hope": "my private answ'
    old_record(drafts, ana, "narrative-coach/builder/self", broken)
    assert len(drafts.list_drafts(trainer, workshop_id=new.workshop.id)) == 2  # the old leak

    old_db.upgrade()

    titles = [d.title for d in drafts.list_drafts(trainer, workshop_id=new.workshop.id)]
    assert titles == ["My bus story"]
    assert sorted(d.title for d in drafts.list_drafts(ana)) == [
        "My bus story",
        "narrative-coach/builder/self",  # still Ana's, nothing lost
    ]


def test_downgrade_puts_records_back_as_drafts(old_db: Database, clock) -> None:
    drafts = Drafts(old_db, clock=clock)
    me = Access(old_db, clock=clock).local_actor()
    old_db.upgrade()
    records = Records(old_db)
    records.put(me, "preferences", "", {"speaking_rate_wpm": 140})
    records.put(me, "workshop", "Spring cohort", {"participants": {"Ana": 7}, "comments": {}})

    migrate(old_db, "0001")

    with old_db.engine.connect() as connection:
        assert "records" not in inspect(connection).get_table_names()
    back = {
        d.title: json.loads(drafts.latest_version(me, d.id).text) for d in drafts.list_drafts(me)
    }
    assert back == {
        "narrative-coach/preferences": {"speaking_rate_wpm": 140},
        "narrative-coach/workshop/Spring cohort": {"participants": {"Ana": 7}, "comments": {}},
    }

    migrate(old_db, "head")  # and up again: the same records, no drafts left
    assert records.get(me, "workshop", "Spring cohort").data["participants"] == {"Ana": 7}
    assert records.get(me, "preferences").data == {"speaking_rate_wpm": 140}
    assert drafts.list_drafts(me) == []
