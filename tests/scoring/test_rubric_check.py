"""`coach rubric check FILE`: a trainer's rubric is validated and its examples run, as ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from coach.cli import main
from coach.scoring.rubric import DEFAULT_RUBRIC


@pytest.fixture()
def ours() -> dict:
    return yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))


def write(directory: Path, data: dict) -> Path:
    path = directory / "trainer-rubric.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def criterion(data: dict, criterion_id: str) -> dict:
    return next(c for c in data["criteria"] if c["id"] == criterion_id)


def check(capsys, *args: str | Path) -> tuple[int, str]:
    code = main(["rubric", "check", *map(str, args)])
    return code, capsys.readouterr().out


def test_our_rubric_passes_its_own_examples(run_coach) -> None:
    result = run_coach("rubric", "check", "coach/rubrics/public_narrative.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid rubric 'public-narrative'" in result.stdout
    assert "pass  challenge example 1: level 2" in result.stdout
    assert ", 0 fail" in result.stdout


def test_a_wrong_example_level_fails_and_names_the_example(
    capsys, tmp_path: Path, ours: dict
) -> None:
    criterion(ours, "choice")["examples"].append(
        {"level": 2, "text": "The garden on Elm Street has tomatoes and beans."}
    )
    code, out = check(capsys, write(tmp_path, ours))
    assert code == 1
    assert "FAIL  choice example 4: expected 2, scored 0" in out
    assert "'The garden on Elm Street has tomatoes and beans.'" in out
    assert ", 1 fail" in out


def test_scripts_read_the_result_as_json(capsys, tmp_path: Path, ours: dict) -> None:
    criterion(ours, "urgency")["examples"][0]["level"] = 1
    code, out = check(capsys, write(tmp_path, ours), "--format", "json")
    result = json.loads(out)
    assert code == 1
    assert (result["valid"], result["ok"], result["failed"]) == (True, False, 1)
    failed = [e for e in result["examples"] if not e["passed"]]
    assert [(e["criterion"], e["number"], e["level"], e["scored"]) for e in failed] == [
        ("urgency", 1, 1, 2)
    ]


def test_an_invalid_rubric_gets_one_line_per_problem(capsys, tmp_path: Path, ours: dict) -> None:
    criterion(ours, "choice")["signals"][0]["any"] = ["feat:first_persn", "lex:no_such_list"]
    path = write(tmp_path, ours)
    code, out = check(capsys, path)
    assert code == 1
    assert out.splitlines() == [
        f"{path}: criterion 'choice': unknown signal 'feat:first_persn' "
        "(did you mean 'feat:first_person'?)",
        f"{path}: criterion 'choice': unknown signal 'lex:no_such_list' "
        "(not defined under the rubric's 'lexicons')",
        f"{path}: invalid rubric (2 problems)",
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("id: x\n\tversion: tab-indented\n", "not valid YAML (line 2, column 1:"),
        ("- just\n- a list\n", "a rubric file must be a mapping"),
        ("!!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
        ("# " + "x" * 1_000_001 + "\n", "larger than 1 MB"),
    ],
    ids=["tab", "not-a-mapping", "python-tag", "too-large"],
)
def test_a_file_that_is_not_a_rubric_gets_one_line(
    capsys, tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(content, encoding="utf-8")
    code, out = check(capsys, path)
    assert code == 1
    problem, summary = out.splitlines()
    assert problem.startswith(f"{path}: ") and words in problem
    assert summary == f"{path}: invalid rubric (1 problem)"


def test_a_missing_file_is_a_usage_error(capsys, tmp_path: Path) -> None:
    assert main(["rubric", "check", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: no such file" in capsys.readouterr().err


def test_the_help_explains_examples_and_exit_status(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["rubric", "check", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "Exit status: 0" in text
