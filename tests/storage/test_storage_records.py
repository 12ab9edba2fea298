"""Records, on SQLite and PostgreSQL: the app's small per-person JSON documents."""

from __future__ import annotations

import threading

import pytest

from coach.errors import InputError
from coach.storage import Access, Actor, Database, Drafts, NotFound, Records, RevisionConflict
from coach.storage.records import MAX_DATA_BYTES


@pytest.fixture
def records(db: Database, clock) -> Records:
    return Records(db, clock=clock)


def test_a_record_is_saved_read_and_replaced(access: Access, records: Records, clock) -> None:
    me = access.local_actor()
    assert records.get(me, "builder", "self") is None

    first = records.put(me, "builder", "self", {"answers": {"challenge": "The clinic closed."}})
    clock.advance(minutes=5)
    second = records.put(me, "builder", "self", {"answers": {"challenge": "Ünïcödé ✓ 👩🏽‍🏫"}})

    assert (first.revision, second.revision) == (1, 2)
    stored = records.get(me, "builder", "self")
    assert stored == second
    assert stored.data == {"answers": {"challenge": "Ünïcödé ✓ 👩🏽‍🏫"}}
    assert stored.created_at == first.created_at and stored.updated_at == clock.now


def test_what_comes_back_is_what_json_keeps(access: Access, records: Records) -> None:
    me = access.local_actor()
    saved = records.put(me, "workshop", "Spring", {"participants": {"Ana": 3}, "pair": (1, 2)})
    assert saved.data == {"participants": {"Ana": 3}, "pair": [1, 2]}
    assert records.get(me, "workshop", "Spring").data == saved.data


def test_a_save_based_on_a_stale_read_is_refused(access: Access, records: Records) -> None:
    me = access.local_actor()
    records.put(me, "workshop", "Spring", {"comments": {}}, expected_revision=0)  # new
    read_in_tab_one = records.get(me, "workshop", "Spring")
    read_in_tab_two = records.get(me, "workshop", "Spring")

    records.put(
        me,
        "workshop",
        "Spring",
        {"comments": {"Ana": ["Name the moment."]}},
        expected_revision=read_in_tab_one.revision,
    )
    with pytest.raises(RevisionConflict, match="read it again") as refused:
        records.put(
            me,
            "workshop",
            "Spring",
            {"comments": {"Ana": ["Good ask."]}},
            expected_revision=read_in_tab_two.revision,
        )

    assert refused.value.current_revision == 2
    assert records.get(me, "workshop", "Spring").data == {"comments": {"Ana": ["Name the moment."]}}
    with pytest.raises(RevisionConflict):  # "create" when it already exists
        records.put(me, "workshop", "Spring", {}, expected_revision=0)
    with pytest.raises(RevisionConflict):  # "replace revision 1" when there is none
        records.put(me, "workshop", "Autumn", {}, expected_revision=1)
    assert records.get(me, "workshop", "Autumn") is None


def test_concurrent_read_modify_write_loses_nothing(db: Database, access: Access) -> None:
    """Four writers append to one list at once, re-reading whenever their save is refused."""
    me = access.local_actor()
    records = Records(db)

    def append(writer: int) -> None:
        for n in range(8):
            while True:
                current = records.get(me, "workshop", "Spring")
                notes = current.data["notes"] if current else []
                try:
                    records.put(
                        me,
                        "workshop",
                        "Spring",
                        {"notes": [*notes, f"{writer}-{n}"]},
                        expected_revision=current.revision if current else 0,
                    )
                    break
                except RevisionConflict:
                    continue

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    final = records.get(me, "workshop", "Spring")
    assert sorted(final.data["notes"]) == sorted(f"{w}-{n}" for w in range(4) for n in range(8))
    assert final.revision == 32


def test_records_are_private_to_their_owner(records: Records, workshop) -> None:
    records.put(workshop.ana, "preferences", "", {"speaking_rate_wpm": 150})
    records.put(workshop.ana, "builder", "self", {"answers": {"choice": "I stayed."}})

    for other in (workshop.ben, workshop.trainer):  # not even the workshop's trainer
        assert records.get(other, "preferences") is None
        assert records.list_keys(other, "builder") == []
        with pytest.raises(NotFound):
            records.delete(other, "builder", "self")
    records.put(workshop.ben, "preferences", "", {"speaking_rate_wpm": 120})  # Ben's own

    assert records.get(workshop.ana, "preferences").data == {"speaking_rate_wpm": 150}
    assert records.get(workshop.ben, "preferences").data == {"speaking_rate_wpm": 120}
    assert records.get(workshop.ana, "builder", "self").revision == 1


def test_list_keys_and_delete(access: Access, records: Records, drafts: Drafts) -> None:
    me = access.local_actor()
    for name in ("Spring cohort", "Autumn cohort"):
        records.put(me, "workshop", name, {"participants": {}})
    records.put(me, "builder", "now", {"answers": {}})

    assert records.list_keys(me, "workshop") == ["Autumn cohort", "Spring cohort"]
    assert records.list_keys(me, "builder") == ["now"]
    assert drafts.list_drafts(me) == []  # records are not drafts

    records.delete(me, "workshop", "Autumn cohort")
    assert records.list_keys(me, "workshop") == ["Spring cohort"]
    with pytest.raises(NotFound):
        records.delete(me, "workshop", "Autumn cohort")
    again = records.put(me, "workshop", "Autumn cohort", {}, expected_revision=0)
    assert again.revision == 1  # a deleted record starts over


@pytest.mark.parametrize(
    ("kind", "key", "data", "message"),
    [
        ("secrets", "", {}, "unknown record kind"),
        ("builder", "x" * 201, {}, "at most 200 characters"),
        ("builder", "self", ["not", "an", "object"], "JSON object"),
        ("builder", "self", {"when": object()}, "not JSON-serialisable"),
        ("builder", "self", {"pace": float("nan")}, "not JSON-serialisable"),
        ("builder", "self", {"answer": "bad\x00byte"}, "NUL"),
        ("builder", "self", {"bad\x00key": "x"}, "NUL"),
        ("builder", "self", {"answer": "half an emoji \ud83d"}, "not JSON-serialisable"),
        ("preferences", "", {"rubric_yaml": "x" * (MAX_DATA_BYTES + 1)}, "at most 2 MiB"),
    ],
)
def test_unusable_records_are_refused_clearly(
    access: Access, records: Records, kind: str, key: str, data: object, message: str
) -> None:
    me = access.local_actor()
    with pytest.raises(InputError, match=message):
        records.put(me, kind, key, data)  # type: ignore[arg-type]
    assert records.list_keys(me, "builder") == []


def test_text_that_merely_spells_a_nul_escape_is_kept(access: Access, records: Records) -> None:
    """A custom rubric's regex may contain the six characters backslash-u-0000."""
    me = access.local_actor()
    data = {"rubric_yaml": "pattern: '\\u0000|\\x00'"}
    assert records.put(me, "preferences", "", data).data == data


def test_a_record_needs_a_real_person(records: Records) -> None:
    ghost = Actor(person_id=999_999, role="local", name="nobody")
    with pytest.raises(NotFound, match="unknown person"):
        records.put(ghost, "preferences", "", {})
