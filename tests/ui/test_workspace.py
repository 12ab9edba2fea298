"""What the app keeps in the database: drafts, preferences, builder answers, workshops."""

from __future__ import annotations

import pytest

from coach.storage import Access, Database, Drafts
from ui.workspace import Workspace, split_version


@pytest.fixture
def workspace(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    yield Workspace(Drafts(db), Access(db).local_actor())
    db.dispose()


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


def test_records_are_hidden_from_the_draft_list(workspace):
    workspace.autosave("My story", "I was there.", "self", None)
    workspace.save_preferences({"speaking_rate_wpm": 150, "llm_api_key": "sk-secret"})
    workspace.save_builder("self", {"challenge": "The night the clinic closed."})
    assert [d.title for d in workspace.my_drafts()] == ["My story"]
    assert workspace.preferences() == {"speaking_rate_wpm": 150}  # a key is never kept
    assert workspace.builder("self") == {"answers": {"challenge": "The night the clinic closed."}}


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
