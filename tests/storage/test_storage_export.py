"""Exports: a trainer's workshop (one row per participant's draft), and a person's own data."""

from __future__ import annotations

import csv
import io
import json

from coach.storage import Access, Drafts, Records, person_export, workshop_rows
from coach.storage.export import PERSON_EXPORT_SCHEMA
from coach.workshops.exports import SCHEMA, to_csv, to_json


def report(overall: int, challenge: int, hope: int) -> dict:
    return {
        "schema": "narrative-coach/report/v1",
        "overall": overall,
        "criteria": [{"id": "challenge", "score": challenge}, {"id": "hope", "score": hope}],
    }


def test_export_has_every_participant_and_the_latest_scores(
    access: Access, drafts: Drafts, workshop
) -> None:
    v1 = drafts.save_draft(workshop.ana, "Ana's story", "first try", "self")
    drafts.attach_report(workshop.ana, v1.id, report(40, 1, 0), rubric_version="default@1")
    v2 = drafts.save_draft(
        workshop.ana, "Ana's story", "a second try", "self", draft_id=v1.draft_id
    )
    drafts.attach_report(workshop.ana, v2.id, report(80, 2, 2), rubric_version="default@1")
    access.join(workshop.join_code, "Cleo")  # joined, saved nothing yet

    rows = workshop_rows(access.db, workshop.trainer, workshop.workshop_id)

    by_name = {row["participant"]: row for row in rows}
    assert sorted(by_name) == ["Ana", "Ben", "Cleo"]
    ana = by_name["Ana"]
    assert (ana["version"], ana["versions"], ana["overall"], ana["words"]) == (2, 2, 80, 3)
    assert ana["scores"] == {"challenge": 2, "hope": 2}
    assert by_name["Cleo"]["draft_id"] is None and by_name["Cleo"]["scores"] == {}

    history = workshop_rows(access.db, workshop.trainer, workshop.workshop_id, all_versions=True)
    assert [r["overall"] for r in history if r["participant"] == "Ana"] == [40, 80]


def test_csv_and_json_exports(access: Access, drafts: Drafts, workshop) -> None:
    v = drafts.save_draft(workshop.ana, '=HYPERLINK("http://x")', "Line one.\nLine two.", "now")
    drafts.attach_report(workshop.ana, v.id, report(70, 2, 1), rubric_version="default@1")
    rows = workshop_rows(access.db, workshop.trainer, workshop.workshop_id)

    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    ana = next(r for r in parsed if r["participant"] == "Ana")
    assert (ana["score:challenge"], ana["score:hope"], ana["overall"]) == ("2", "1", "70")
    assert ana["text"] == "Line one.\nLine two."
    assert ana["title"].startswith("'=")  # a spreadsheet shows it, never runs it

    document = json.loads(to_json(rows, "Spring"))
    assert document["schema"] == SCHEMA
    assert next(r for r in document["rows"] if r["participant"] == "Ana")["report"]["overall"] == 70


def test_an_uploaded_workshop_exports_like_a_live_one_with_its_comments(
    access: Access, drafts: Drafts, workshop
) -> None:
    from coach.storage import Workshops

    uploaded = Workshops(access.db).open(workshop.trainer, "Uploaded cohort")
    v1 = drafts.save_participant_text(workshop.trainer, uploaded.id, "Dana", "first", "self")
    v2 = drafts.save_participant_text(workshop.trainer, uploaded.id, "Dana", "second", "self")
    drafts.add_comment(workshop.trainer, v1.draft_id, "On the first.", version_id=v1.id)
    drafts.add_comment(workshop.trainer, v1.draft_id, "On the second.", version_id=v2.id)

    [row] = workshop_rows(access.db, workshop.trainer, uploaded.id)
    assert (row["participant"], row["version"], row["participant_id"]) == ("Dana", 2, None)
    assert [c["body"] for c in row["comments"]] == ["On the first.", "On the second."]
    history = workshop_rows(access.db, workshop.trainer, uploaded.id, all_versions=True)
    assert [[c["body"] for c in r["comments"]] for r in history] == [
        ["On the first."],
        ["On the second."],
    ]
    live = workshop_rows(access.db, workshop.trainer, workshop.workshop_id)
    assert "Dana" not in {r["participant"] for r in live}


def test_a_person_s_own_export_has_their_drafts_and_records_only(
    access: Access, drafts: Drafts, workshop
) -> None:
    records = Records(access.db)
    v1 = drafts.save_draft(workshop.ana, "Ana's story", "first try", "self")
    drafts.save_draft(workshop.ana, "Ana's story", "second try", "self", draft_id=v1.draft_id)
    drafts.attach_report(workshop.ana, v1.id, report(40, 1, 0), rubric_version="default@1")
    records.put(workshop.ana, "builder", "self", {"answers": {"choice": "I stayed."}})
    records.put(workshop.ana, "preferences", "", {"speaking_rate_wpm": 150})
    drafts.save_draft(workshop.ben, "Ben's story", "not Ana's", "us")
    records.put(workshop.ben, "preferences", "", {"speaking_rate_wpm": 110})

    document = json.loads(json.dumps(person_export(access.db, workshop.ana)))  # JSON as is

    assert document["schema"] == PERSON_EXPORT_SCHEMA
    assert document["person"] == {"name": "Ana", "role": "participant"}
    [draft] = document["drafts"]
    assert [v["text"] for v in draft["versions"]] == ["first try", "second try"]
    assert draft["versions"][0]["report"]["overall"] == 40
    assert [(r["kind"], r["key"], r["data"]) for r in document["records"]] == [
        ("builder", "self", {"answers": {"choice": "I stayed."}}),
        ("preferences", "", {"speaking_rate_wpm": 150}),
    ]
    trainer_rows = workshop_rows(access.db, workshop.trainer, workshop.workshop_id)
    assert "I stayed." not in json.dumps(trainer_rows)  # builder answers stay private
