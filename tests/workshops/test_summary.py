"""The workshop summary: the numbers a trainer reads first, checked against the rows.

The rows come the way the app's exports get them: drafts saved in a real (SQLite) live
workshop, ``workshop_rows`` reading them back, each draft scored and coached by the real
pipeline and laid over its row with ``with_report``. The expected numbers are counted here,
by hand, from those same rows.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from sample_drafts import PARK_HOUSE

from coach.coaching.feedback import build_feedback
from coach.coaching.plan import build_plan
from coach.scoring.pipeline import build_scorer, score_text
from coach.storage import Access, Database, Drafts, workshop_rows
from coach.workshops.exports import to_html, to_json, with_report
from coach.workshops.summary import ISSUE_NAMES, summarize

HOSTILE = '<img src=x onerror="alert(1)">'
SILENT = "<script>alert(2)</script>"
READY = PARK_HOUSE  # told as a story of self, the planner calls it ready
SLOGANS = (
    "Our library might close. Libraries matter to everyone. We must act. Get involved! "
    "Together we can save it!"
)
SELF_STORY = (
    "Two winters ago the boiler in our block broke in January. I was nineteen and I had "
    "never spoken at a meeting. Mrs Okafor on the fourth floor was wrapping her baby in "
    "coats. I knocked on every door that night and thirty of us signed a letter. The landlord "
    "fixed it within a week, and I learned that a letter with thirty names gets read."
)
#: participant -> their versions (text, story type), oldest first; None: joined, wrote nothing
WORKSHOP = {
    "Ana": [(SLOGANS, "now"), (READY, "self")],
    "Ben": [(READY, "now")],
    HOSTILE: [(SLOGANS, "narrative")],
    "Dan": [(SELF_STORY, "self")],
    "Finn": [(SLOGANS, "narrative")],
    "Cleo": None,
    SILENT: None,
}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A live workshop in SQLite: every version saved with the report the scorer gave it."""
    scorer = build_scorer(with_embeddings=False)
    folder: Path = tmp_path_factory.mktemp("summary")
    db = Database(f"sqlite:///{folder / 'coach.db'}")
    access = Access(
        db, hasher=PasswordHasher.from_parameters(profiles.CHEAPEST), code_key=b"k" * 32
    )
    drafts = Drafts(db)
    trainer = access.create_trainer("trainer@example.org", "correct horse battery", "Tess")
    new = access.create_workshop(trainer, "Spring <cohort>")
    for name, versions in WORKSHOP.items():
        person = access.join(new.join_code, name).actor
        draft_id = None
        for text, story_type in versions or []:
            version = drafts.save_draft(person, "My story", text, story_type, draft_id=draft_id)
            draft_id = version.draft_id
            report = score_text(text, scorer, story_type=story_type).to_dict()
            drafts.attach_report(person, version.id, report, rubric_version="default@1")
    yield {"db": db, "trainer": trainer, "workshop": new.workshop.id, "scorer": scorer}
    db.dispose()


@pytest.fixture(scope="module")
def rows(stored: dict) -> list[dict]:
    """As the app's Workshop review exports them: each draft scored and coached afresh."""
    scorer = stored["scorer"]
    out = []
    for row in workshop_rows(stored["db"], stored["trainer"], stored["workshop"]):
        if row["text"] is None:
            out.append(row)
            continue
        report = score_text(row["text"], scorer, story_type=row["story_type"])
        feedback = build_feedback(report, scorer.rubric)
        plan = build_plan(report, scorer.rubric, row["text"], feedback)
        out.append(with_report(row, report, feedback, plan))
    return out


def drafted(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["text"] is not None]


def test_it_counts_participants_scored_drafts_and_who_has_none(rows):
    summary = summarize(rows)
    assert len(rows) == 7  # one row per participant: five drafts, two people without one
    assert (summary.participants, summary.drafts, summary.scored) == (7, 5, 5)
    assert set(summary.without_draft) == {"Cleo", SILENT}
    assert [r["participant"] for r in rows if r["text"] is None] == list(summary.without_draft)


def test_per_criterion_means_and_levels_are_those_of_the_rows(rows):
    summary = summarize(rows)
    reports = [r["report"] for r in drafted(rows)]
    ids = [c["id"] for c in reports[0]["criteria"]]
    assert [c.id for c in summary.criteria] == ids  # every criterion, in the rubric's order
    for criterion in summary.criteria:
        items = [next(c for c in r["criteria"] if c["id"] == criterion.id) for r in reports]
        scores = [item["score"] for item in items]
        top = max(item["max"] for item in items)
        assert criterion.name == items[0]["name"]  # the name people read, not the id
        assert criterion.max == top
        assert criterion.mean == pytest.approx(sum(scores) / len(scores), abs=0.005)
        assert dict(criterion.counts) == {level: scores.count(level) for level in range(top + 1)}
        assert criterion.scored == 5
    assert summary.levels == (0, 1, 2)  # the packaged rubric's levels, read from the reports


def test_overall_distribution_first_fixes_and_ready_drafts_are_those_of_the_rows(rows):
    summary = summarize(rows)
    overall = [r["overall"] for r in drafted(rows)]
    assert summary.overall_mean == pytest.approx(sum(overall) / len(overall), abs=0.05)
    bands = {(b.low, b.high): b.count for b in summary.overall_bands}
    assert sum(bands.values()) == 5
    for (low, high), count in bands.items():
        assert count == sum(1 for o in overall if low <= o <= high)

    plans = [r["plan"] for r in drafted(rows)]
    assert summary.planned == 5
    assert summary.ready == sum(1 for p in plans if p["ready"]) == 1  # Ana's second version
    expected = Counter(p["first_fix"] for p in plans if not p["ready"])
    assert {f.id: f.count for f in summary.first_fixes} == dict(expected)
    assert summary.first_fixes[0].count == max(expected.values()) == 2  # Finn's and HOSTILE's
    counts = [f.count for f in summary.first_fixes]
    assert counts == sorted(counts, reverse=True)  # the most common first
    names = {c["id"]: c["name"] for c in drafted(rows)[0]["report"]["criteria"]}
    for fix in summary.first_fixes:  # a criterion's name, or the whole-draft problem's
        assert fix.name == names.get(fix.id, ISSUE_NAMES.get(fix.id))


def test_every_version_of_a_draft_counts_once_by_its_newest(stored, rows):
    """``coach workshop export --all-versions``: Ana's two versions are one draft, her second;
    the stored rows carry no coaching plan (only the app adds it)."""
    history = workshop_rows(stored["db"], stored["trainer"], stored["workshop"], all_versions=True)
    assert len(history) == 8
    summary = summarize(history)
    assert (summary.participants, summary.drafts, summary.scored) == (7, 5, 5)
    assert summary.planned == summary.ready == 0 and summary.first_fixes == ()
    latest = [r for r in history if r["text"] is not None and r["version"] == r["versions"]]
    for criterion in summary.criteria:
        scores = [r["scores"][criterion.id] for r in latest]
        assert criterion.mean == pytest.approx(sum(scores) / len(scores), abs=0.005)
    assert "This export carries no coaching plans" in to_html(history, "Spring")


def test_levels_and_names_come_from_the_reports_not_a_fixed_scale():
    """A rubric scored 0 to 3, reports without names, a draft not yet scored."""

    def row(name: str, overall: int, story: int, ask: int) -> dict:
        criteria = [
            {"id": "story_arc", "score": story, "max": 3},
            {"id": "call_to_action", "name": "Call to action", "score": ask, "max": 2},
        ]
        return {
            "participant": name,
            "text": "…",
            "overall": overall,
            "report": {"criteria": criteria},
        }

    rows = [
        row("Ana", 90, 3, 2),
        row("Ben", 35, 1, 0),
        row("Cy", 55, 1, 2),
        {"participant": "Dee", "text": "not scored yet", "report": None},
    ]
    summary = summarize(rows)
    assert (summary.participants, summary.drafts, summary.scored) == (4, 4, 3)
    arc, ask = summary.criteria
    assert (arc.name, arc.max, arc.mean, arc.counts) == (
        "Story arc",
        3,
        pytest.approx(5 / 3, abs=0.005),
        ((0, 0), (1, 2), (2, 0), (3, 1)),
    )
    assert (ask.name, ask.max, ask.counts) == ("Call to action", 2, ((0, 1), (1, 0), (2, 2)))
    assert summary.levels == (0, 1, 2, 3)
    assert summary.overall_mean == pytest.approx(60.0)
    assert [b.count for b in summary.overall_bands] == [0, 1, 1, 0, 1]
    page = to_html(rows, "Scale")
    assert "<th>at 3</th>" in page and "story_arc" not in summary_section(page)


def summary_section(page: str) -> str:
    return re.search(r'<section class="summary">.*?</section>', page, re.S).group(0)


def test_the_printable_report_opens_with_the_summary_page(rows):
    page = to_html(rows, "Spring <cohort>")
    summary = summarize(rows)
    section = summary_section(page)
    assert page.index('<section class="summary">') < page.index("<table class=scores>")
    assert "page-break-after:always" in page and "print-color-adjust:exact" in page
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", section)).split())
    assert "7 participants" in text and "5 drafts scored" in text
    assert "2 without a draft yet" in text
    assert "1 of 5 drafts ready to tell" in text
    for criterion in summary.criteria:
        assert criterion.name in text
    for fix in summary.first_fixes:
        assert f"{fix.name} — {fix.count} draft" in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text)  # no raw ids (call_to_action, no_us…)
    # participants' names are text, never markup
    assert "<script" not in page and "<img" not in page
    assert html.escape(SILENT) in section and html.escape(HOSTILE) in page


def test_the_json_export_carries_the_summary(rows):
    document = json.loads(to_json(rows, "Spring"))
    assert document["summary"] == summarize(rows).to_dict()
    assert document["summary"]["participants"] == 7
    assert document["summary"]["plans"]["ready"] == 1
    no_draft = [r["participant"] for r in rows if r["text"] is None]
    assert (
        sorted(document["summary"]["without_draft"]) == sorted(no_draft) == sorted(["Cleo", SILENT])
    )
    assert len(document["rows"]) == 7


def test_an_empty_workshop_gets_a_sentence_not_a_crash():
    page = to_html([], "Nobody yet")
    assert "This workshop has no participants yet" in summary_section(page)
    summary = json.loads(to_json([], "Nobody yet"))["summary"]
    assert (summary["participants"], summary["scored"], summary["criteria"]) == (0, 0, [])
    assert summary["overall"]["mean"] is None

    joined_only = [
        {"participant": "Cleo", "participant_id": 3, "text": None, "report": None},
        {"participant": SILENT, "participant_id": 4, "text": None, "report": None},
    ]
    section = summary_section(to_html(joined_only, "Just started"))
    assert "None of the 2 participants has a scored draft yet" in section
    assert "No draft yet (2)" in section and html.escape(SILENT) in section


def test_a_long_list_of_people_without_a_draft_is_shortened_on_the_summary_not_lost():
    people = [f"Participant {n:02d}" for n in range(1, 36)]
    rows = [{"participant": name, "text": None, "report": None} for name in people]
    page = to_html(rows, "Big cohort")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", summary_section(page))).split())
    assert "No draft yet (35)" in text
    assert "Participant 20" in text and "Participant 21" not in text
    assert "and 15 more (each has a row in the table)" in text
    table = page[page.index("<table class=scores>") :]
    assert all(name in table for name in people)
