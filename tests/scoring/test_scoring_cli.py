"""`coach score`, `coach review` and `coach eval --help` through a real subprocess.

Every run goes through the `run_coach` fixture, which also asserts that no traceback ever
reaches stderr. Each subprocess costs a second or two, so each test checks several things.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from environment import child_env
from scoring_support import FIXED_IDS, GOLDEN, SCHEMA

STRONG = GOLDEN / "strong_narrative.txt"
WEAK = GOLDEN / "weak_message.txt"
ACCENTED = (
    "Last winter the café on Rue Saint-Denis closed — and Mrs. Nuñez said: “We won’t let "
    "this happen again.” I decided to call the tenants’ association, and we met on Friday.\n"
)
FRENCH = (
    "Je m'appelle Claire et j'enseigne à l'école Jules-Ferry depuis douze ans. L'hiver "
    "dernier, la cantine a fermé pendant trois semaines et nos enfants mangeaient froid. "
    "Nous avons décidé d'écrire au maire. Venez à la réunion mardi à 18 h à la mairie.\n"
)


def scores_of(report: dict) -> dict[str, int]:
    return {c["id"]: c["score"] for c in report["criteria"]}


def check_evidence_indexes(report: dict, text: str) -> None:
    for criterion in report["criteria"]:
        for evidence in criterion["evidence"]:
            assert text[evidence["start"] : evidence["end"]] == evidence["text"]


# --- coach score ---------------------------------------------------------------------------


@pytest.mark.slow
def test_score_prints_a_readable_report(run_coach) -> None:
    """The default path, cited guidance included (the source library is built on first use)."""
    result = run_coach("score", STRONG, "--fail-under", "0")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^Overall \d+/100", out, re.M)
    for name in ("Challenge", "Choice", "Outcome", "Hope", "Call to action", "Urgency"):
        assert re.search(rf"^\S+ +[012]/2 +{name}", out, re.M), name
    assert re.search(r'^\s+\[\d+-\d+\] "', out, re.M)  # evidence with offsets
    assert "Your plan (" in out and "For trainers:" in out


@pytest.mark.slow
def test_the_first_run_in_a_data_directory_says_why_it_takes_a_while(run_coach, tmp_path):
    fresh = child_env(COACH_DATA_DIR=str(tmp_path / "fresh"), PYTHONIOENCODING="utf-8")
    first = run_coach("score", STRONG, env=fresh)
    assert first.returncode == 0 and "first run in this data directory" in first.stderr
    again = run_coach("score", STRONG, env=fresh)
    assert again.returncode == 0 and "first run" not in again.stderr


@pytest.mark.slow
def test_score_json_from_a_file_and_from_stdin(run_coach) -> None:
    text = STRONG.read_text(encoding="utf-8")
    from_file = run_coach("score", STRONG, "--format", "json", "--no-guidance")
    assert from_file.returncode == 0, from_file.stderr
    report = json.loads(from_file.stdout)
    assert report["schema"] == SCHEMA
    assert [c["id"] for c in report["criteria"]][: len(FIXED_IDS)] == list(FIXED_IDS)
    assert all(c["score"] in (0, 1, 2) and c["max"] == 2 for c in report["criteria"])
    assert 0 <= report["overall"] <= 100
    check_evidence_indexes(report, text)

    from_stdin = run_coach(
        "score",
        "-",
        "--format",
        "json",
        "--no-guidance",
        "--type",
        "self",
        "--wpm",
        "150",
        input=text,
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    piped = json.loads(from_stdin.stdout)
    assert scores_of(piped) == scores_of(report)  # the type only changes the weights
    assert piped["story_type"] == "self" and report["story_type"] == "narrative"
    assert piped["speaking_time_s"] == round(report["word_count"] * 60 / 150)
    check_evidence_indexes(piped, text)


@pytest.mark.slow
def test_fail_under_exits_1_and_still_prints_the_report(run_coach) -> None:
    result = run_coach("score", WEAK, "--fail-under", "50", "--format", "json", "--no-guidance")
    assert result.returncode == 1
    assert json.loads(result.stdout)["overall"] < 50


def test_an_empty_file_is_refused_with_a_clear_message(run_coach, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = run_coach("score", empty, "--no-guidance")
    assert result.returncode == 2
    assert "empty.txt: the file is empty" in result.stderr
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\t\n", encoding="utf-8")
    result = run_coach("score", blank, "--no-guidance")
    assert result.returncode == 2
    assert "blank.txt: contains no text" in result.stderr


def test_empty_stdin_is_an_input_error_with_a_nothing_to_score_report(run_coach) -> None:
    result = run_coach("score", "-", "--format", "json", "--no-guidance", input="")
    assert result.returncode == 2
    assert "nothing to score" in result.stderr
    report = json.loads(result.stdout)
    assert report["nothing_to_score"] is True and report["overall"] == 0


def test_a_binary_file_is_refused_with_a_clear_message(run_coach, tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    result = run_coach("score", binary, "--no-guidance")
    assert result.returncode == 2
    assert "photo.txt: looks like a binary file" in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_legacy_encodings_are_decoded(run_coach, score, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(ACCENTED.encode(encoding))  # Python's utf-16 writes a BOM, like Notepad
    result = run_coach("score", path, "--format", "json", "--no-guidance")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    expected = score(ACCENTED)
    assert report["word_count"] == expected.word_count
    assert scores_of(report) == expected.scores()
    check_evidence_indexes(report, ACCENTED)
    quoted = [e["text"] for c in report["criteria"] for e in c["evidence"]]
    assert any("café" in q or "“We won’t" in q for q in quoted), quoted


@pytest.fixture(scope="module")
def huge_file(tmp_path_factory) -> Path:
    """Over 100,000 words: the strong draft 340 times."""
    text = STRONG.read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("huge") / "huge.txt"
    path.write_text("\n\n".join([text] * 340), encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_100000_word_file_is_scored_when_the_operator_raises_the_limit(
    run_coach, huge_file: Path
) -> None:
    result = run_coach(
        "score", huge_file, "--format", "json", "--no-guidance", env={"COACH_MAX_WORDS": "150000"}
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["word_count"] > 100_000
    assert 0 <= report["overall"] <= 100


def test_a_file_over_the_word_limit_gets_a_clear_message(run_coach, huge_file: Path) -> None:
    result = run_coach("score", huge_file, "--no-guidance", env={"COACH_MAX_WORDS": "50000"})
    assert result.returncode == 2
    assert "the limit is 50,000" in result.stderr
    assert "COACH_MAX_WORDS" in result.stderr
    default = run_coach("score", huge_file, "--no-guidance")
    assert default.returncode == 2 and "the limit is 20,000" in default.stderr


@pytest.mark.slow
def test_french_is_scored_by_the_multilingual_model_and_says_so(run_coach, tmp_path: Path) -> None:
    path = tmp_path / "cantine.txt"
    path.write_text(FRENCH, encoding="utf-8")
    result = run_coach("score", path, "--format", "json", "--no-guidance")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["language"] == "fr"
    assert any("'fr'" in note and "multilingual model" in note for note in report["notes"])
    assert report["overall"] > 0
    assert scores_of(report)["call_to_action"] >= 1  # a meeting with a day, time and place


def test_portuguese_is_scored_or_flagged_without_a_traceback(run_coach, tmp_path: Path) -> None:
    path = tmp_path / "creche.txt"
    path.write_text(
        "Nós decidimos lutar pela escola dos nossos filhos. A prefeitura fechou a creche.\n",
        encoding="utf-8",
    )
    result = run_coach("score", path, "--format", "json", "--no-guidance")
    assert result.returncode in (0, 2)


# --- coach review --------------------------------------------------------------------------

SCRIPT_NAME = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def review_inputs(tmp_path_factory) -> list[Path]:
    """Two files, a folder of three (one binary), and a CSV of two drafts: 7 rows, 1 bad."""
    root = tmp_path_factory.mktemp("review")
    (root / "dana.txt").write_text(STRONG.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "green-team.md").write_text(WEAK.read_text(encoding="utf-8"), encoding="utf-8")
    folder = root / "workshop"
    folder.mkdir()
    (folder / "amir.txt").write_text(
        "I drive the night bus. Last March they cut our route, and I decided to speak up at "
        "the hearing on Tuesday.\n",
        encoding="utf-8",
    )
    (folder / "bea.txt").write_text(ACCENTED, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    with (root / "drafts.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "text"])
        writer.writerow(
            [
                "Chen",
                "We are the nurses of Ward 6. Last week two of us covered thirty patients on the "
                "night shift. Join us at the rally on Friday.",
            ]
        )
        writer.writerow(
            [
                SCRIPT_NAME,
                "I <script>decided</script> to organise my building after the lift broke for the "
                "third time this winter and Mrs. Lee was stuck upstairs for a week.",
            ]
        )
    return [root / "dana.txt", root / "green-team.md", folder, root / "drafts.csv"]


NAMES = ["dana", "green-team", "amir", "bea", "broken", "Chen", SCRIPT_NAME]


def check_batch_went_on(result) -> None:
    assert result.returncode == 1  # one input failed
    assert "broken.txt" in result.stderr and "binary" in result.stderr
    assert "scored 6 of 7 drafts" in result.stderr


@pytest.mark.slow
def test_review_to_csv(run_coach, review_inputs: list[Path]) -> None:
    result = run_coach("review", *review_inputs, "--format", "csv")
    check_batch_went_on(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == NAMES
    assert {"Call to action", "reads as", "overall (0-100)"} <= set(rows[0])  # names people read
    assert not set(FIXED_IDS) & set(rows[0])
    for row in rows:
        if row["name"] == "broken":
            assert "binary" in row["error"] and row["overall (0-100)"] == ""
        else:
            assert row["error"] == "" and 0 <= int(row["overall (0-100)"]) <= 100


@pytest.mark.slow
def test_review_to_jsonl(run_coach, review_inputs: list[Path]) -> None:
    result = run_coach("review", *review_inputs, "--format", "jsonl", "--workers", "1")
    check_batch_went_on(result)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["name"] for r in rows] == NAMES
    for row in rows:
        if row["name"] == "broken":
            assert "binary" in row["error"] and "report" not in row
        else:
            assert row["error"] is None and row["report"]["schema"] == SCHEMA


@pytest.mark.slow
def test_review_to_html_escapes_user_text(
    run_coach, review_inputs: list[Path], tmp_path: Path
) -> None:
    out = tmp_path / "review.html"
    result = run_coach("review", *review_inputs, "--format", "html", "--out", out)
    check_batch_went_on(result)
    assert result.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.count("<tr><th scope=row>") == len(NAMES)
    assert '<th title="call_to_action">Call to action</th>' in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_review_reports_a_ragged_csv_row_and_goes_on(run_coach, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        "name,text\nAna,I marched on Friday.,an extra field\nBo,We won the vote in May.\n",
        encoding="utf-8",
    )
    result = run_coach("review", path, "--format", "jsonl")
    assert result.returncode == 1
    assert "ragged.csv:2: malformed row (wrong number of fields)" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["name"], r["error"] is None) for r in rows] == [("Ana", False), ("Bo", True)]


def test_review_flags_a_csv_with_an_unclosed_quote(run_coach, tmp_path: Path) -> None:
    path = tmp_path / "unclosed.csv"
    path.write_text(
        'name,text\nAna,"I marched on Friday.\nBo,We won the vote in May.\n'
        "Cy,Our rent went up again.\n",
        encoding="utf-8",
    )
    result = run_coach("review", path, "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1 and "unclosed.csv" in result.stderr
    assert any(r["error"] and "malformed CSV" in r["error"] for r in rows)


@pytest.mark.slow
def test_review_goes_on_when_one_file_is_unreadable(run_coach, tmp_path: Path) -> None:
    (tmp_path / "a-broken.docx").write_bytes(b"PK\x03\x04 this is not really a zip archive")
    (tmp_path / "b-english.txt").write_text(ACCENTED, encoding="utf-8")
    result = run_coach("review", tmp_path, "--format", "jsonl", "--workers", "1")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["name"] for r in rows] == ["a-broken", "b-english"]
    assert rows[0]["error"] and rows[1]["error"] is None
    assert result.returncode == 1 and "a-broken.docx" in result.stderr


def test_a_draft_that_crashes_the_scorer_becomes_an_error_row(scorer) -> None:
    """Any failure inside scoring is contained to its row; the rest of the batch is scored."""
    from coach.workshops.review import ReviewItem, review

    class ExplodesOnOneDraft:
        """The real scorer, except that one draft triggers an unexpected exception."""

        rubric = scorer.rubric

        def score(self, draft, story_type=None):
            if "EXPLODE" in draft.text:
                raise RuntimeError("boom")
            return scorer.score(draft, story_type=story_type)

    items = [ReviewItem("a", "a", "EXPLODE " + ACCENTED), ReviewItem("b", "b", ACCENTED)]
    rows = review(items, ExplodesOnOneDraft(), workers=1)
    assert "internal error" in rows[0].error and "boom" in rows[0].error
    assert rows[1].error is None and rows[1].report is not None


def test_review_explains_a_csv_without_a_text_column(run_coach, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,title\nAna,Organiser\n", encoding="utf-8")
    result = run_coach("review", path)
    assert result.returncode == 1
    assert "people.csv: no text column found (columns: name, title)" in result.stderr
    assert "--text-column" in result.stderr


# --- help ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["score"], ["review"], ["eval"]], ids=str)
def test_help_exits_0(run_coach, command: list[str]) -> None:
    result = run_coach(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: coach")
    assert not command or command[0] in result.stdout.splitlines()[0]


def test_a_draft_too_short_to_judge_says_why_on_stderr(run_coach, tmp_path: Path) -> None:
    short = tmp_path / "short.txt"
    short.write_text("We need to fix this now, everyone.", encoding="utf-8")
    result = run_coach("score", short, "--no-guidance")
    assert result.returncode == 0
    assert "not scored: Too short to judge: 7 words" in result.stderr
    assert result.stdout.startswith("Not assessed · 7 words")


def test_review_names_a_draft_too_short_to_judge_and_leaves_its_scores_blank(
    run_coach, tmp_path: Path
) -> None:
    (tmp_path / "ana.txt").write_text(ACCENTED, encoding="utf-8")
    (tmp_path / "bo.txt").write_text("Save our library.", encoding="utf-8")
    result = run_coach("review", tmp_path, "--format", "csv", "--workers", "1")
    assert result.returncode == 1  # a finding: one draft was not scored
    assert "bo.txt: Too short to judge: 3 words" in result.stderr
    assert "scored 1 of 2 drafts" in result.stderr
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["bo"]["overall (0-100)"] == "" and "Too short" in rows["bo"]["error"]
    assert rows["ana"]["error"] == "" and int(rows["ana"]["overall (0-100)"]) > 0
