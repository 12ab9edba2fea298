"""What the app keeps in the database: drafts, preferences, builder answers, workshops."""

from __future__ import annotations

import json

import pytest

from coach.storage import Access, Database, Drafts, Records
from coach.storage.workspace import WorkshopView, Workspace, split_version


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    yield database
    database.dispose()


@pytest.fixture
def workspace(db):
    return Workspace(Drafts(db), Records(db), Access(db).local_actor())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ana_v2", ("ana", 2)),
        ("Ana draft 3", ("Ana", 3)),
        ("bilal-version-10", ("bilal", 10)),
        ("Rosa (2)", ("Rosa", 2)),
        ("Lev", ("Lev", 0)),
        ("v2", ("v2", 0)),
        ("Room 101", ("Room 101", 0)),
    ],
)
def test_file_names_give_participant_and_version(name, expected):
    assert split_version(name) == expected


def test_preferences_and_builder_answers_are_not_drafts(workspace):
    workspace.autosave("My story", "I was there.", "self", None)
    workspace.save_preferences({"speaking_rate_wpm": 150, "llm_api_key": "sk-secret"})
    workspace.save_builder("self", {"challenge": "The night the clinic closed."})
    assert [d.title for d in workspace.my_drafts()] == ["My story"]
    assert workspace.drafts.list_drafts(workspace.actor) == workspace.my_drafts()
    assert workspace.preferences() == {"speaking_rate_wpm": 150}  # a key is never kept
    assert workspace.builder("self") == {"answers": {"challenge": "The night the clinic closed."}}


def test_a_preference_change_keeps_what_another_tab_changed(workspace):
    workspace.save_preferences({"speaking_rate_wpm": 150, "story_type": "self"})
    workspace.save_preferences({"llm_model": "llama3"})  # another tab, another setting
    assert workspace.save_preferences({"story_type": None}) == {
        "speaking_rate_wpm": 150,
        "llm_model": "llama3",
    }
    assert workspace.preferences() == {"speaking_rate_wpm": 150, "llm_model": "llama3"}


def test_builder_answers_from_two_tabs_are_both_kept(workspace):
    workspace.save_builder("self", {"challenge": "The night the clinic closed."})
    workspace.save_builder("self", {"choice": "I called the others."})  # another tab
    assert workspace.builder("self")["answers"] == {
        "challenge": "The night the clinic closed.",
        "choice": "I called the others.",
    }


def test_two_tabs_adding_the_same_participant_share_one_draft(workspace):
    workspace.save_workshop(WorkshopView("Spring cohort"))
    tab_a, tab_b = workspace.workshop("Spring cohort"), workspace.workshop("Spring cohort")
    first = workspace.add_participant_text(tab_a, "Ana", "I missed the bus.", "self")
    second = workspace.add_participant_text(tab_b, "Ana", "I missed the 22 bus.", "self")
    workspace.save_workshop(tab_b)
    workspace.save_workshop(tab_a)
    assert second.draft_id == first.draft_id and second.number == 2
    assert workspace.workshop("Spring cohort").participants == {"Ana": first.draft_id}
    assert len(workspace.drafts.list_drafts(workspace.actor)) == 1  # no orphan left behind


def test_deleting_an_uploaded_workshop_takes_its_drafts_and_nothing_else(workspace):
    mine = workspace.autosave("My story", "I was there.", "self", None)
    record = workspace.workshop("Spring cohort")
    workspace.add_participant_text(record, "Ana", "I missed the bus.", "self")
    workspace.add_participant_text(record, "Ben", "I walked home.", "self")
    workspace.save_workshop(record)
    stale = workspace.workshop("Spring cohort")  # another tab, read before Cleo was added
    workspace.add_participant_text(record, "Cleo", "I stayed.", "self")
    assert workspace.delete_workshop("Spring cohort") == 3  # Cleo's draft goes too
    assert workspace.workshops() == [] and "Cleo" not in stale.participants
    assert [d.id for d in workspace.drafts.list_drafts(workspace.actor)] == [mine.draft_id]
    assert workspace.delete_workshop("Spring cohort") == 0  # a second try is not an error


def test_any_title_is_a_person_s_own(workspace):
    workspace.autosave("narrative-coach/preferences", "My story about settings.", "self", None)
    workspace.save_preferences({"speaking_rate_wpm": 150})
    assert [d.title for d in workspace.my_drafts()] == ["narrative-coach/preferences"]
    assert workspace.preferences() == {"speaking_rate_wpm": 150}


def test_builder_remembers_its_draft(workspace):
    version = workspace.autosave("Story of self", "text", "self", None)
    workspace.save_builder("self", {"choice": "I stayed."}, version.draft_id)
    workspace.save_builder("self", {"choice": "I stayed and spoke up."})
    assert workspace.builder("self")["draft_id"] == version.draft_id


def test_a_participant_s_uploads_become_versions_and_comments_accumulate(workspace):
    record = workspace.workshop("Spring cohort")
    first = workspace.add_participant_text(record, "Ana", "First try.", "self")
    second = workspace.add_participant_text(record, "Ana", "Second try, better.", "self")
    workspace.save_workshop(record)
    assert first.draft_id == second.draft_id and second.number == 2
    workspace.add_comment(record, "Ana", "Name the moment.", second)
    workspace.add_comment(workspace.workshop("Spring cohort"), "Ana", "Good ask.", second)
    again = workspace.workshop("Spring cohort")
    assert again.participants == {"Ana": first.draft_id}
    assert [c["body"] for c in again.comments["Ana"]] == ["Name the moment.", "Good ask."]
    assert workspace.workshops() == ["Spring cohort"]
    assert workspace.my_drafts() == []


def test_uploads_in_two_tabs_keep_both_participants(workspace):
    tab_one, tab_two = workspace.workshop("Spring cohort"), workspace.workshop("Spring cohort")
    ana = workspace.add_participant_text(tab_one, "Ana", "Ana's draft.", "self")
    workspace.save_workshop(tab_one)
    bilal = workspace.add_participant_text(tab_two, "Bilal", "Bilal's draft.", "now")
    tab_two.story_type = "now"
    workspace.save_workshop(tab_two)  # tab two never saw Ana
    stored = workspace.workshop("Spring cohort")
    assert stored.participants == {"Ana": ana.draft_id, "Bilal": bilal.draft_id}
    assert stored.story_type == "now"
    assert tab_two.participants == stored.participants


def test_comments_from_two_tabs_are_both_kept(workspace):
    record = workspace.workshop("Spring cohort")
    version = workspace.add_participant_text(record, "Ana", "First try.", "self")
    other_tab = workspace.workshop("Spring cohort")
    workspace.add_comment(other_tab, "Ana", "From the other tab.", version)
    workspace.add_comment(record, "Ana", "From this tab.", version)

    expected = ["From the other tab.", "From this tab."]
    assert [c["body"] for c in workspace.workshop("Spring cohort").comments["Ana"]] == expected
    assert [c["body"] for c in record.comments["Ana"]] == expected


def test_an_uploaded_workshop_is_a_workshop_row_its_drafts_carry_the_names(workspace):
    record = workspace.workshop("Spring cohort")
    assert record.id is None and not record.is_live  # nothing stored until the first text
    ana = workspace.add_participant_text(record, "Ana", "I missed the bus.", "self")
    info = workspace.drafts.get_draft(workspace.actor, ana.draft_id)
    assert (info.workshop_id, info.participant, info.title) == (record.id, "Ana", "Ana")
    rows = workspace.workshop_rows(record)
    assert [(r["participant"], r["version"], r["text"]) for r in rows] == [
        ("Ana", 1, "I missed the bus.")
    ]


def test_my_data_has_my_drafts_and_what_the_app_keeps_for_me(workspace):
    workspace.autosave("My story", "I was there.", "self", None)
    workspace.save_builder("self", {"choice": "I stayed."})
    workspace.save_preferences({"speaking_rate_wpm": 150})
    document = json.loads(workspace.export_json())
    assert [d["title"] for d in document["drafts"]] == ["My story"]
    assert {(r["kind"], r["key"]): r["data"] for r in document["records"]} == {
        ("builder", "self"): {"answers": {"choice": "I stayed."}},
        ("preferences", ""): {"speaking_rate_wpm": 150},
    }
