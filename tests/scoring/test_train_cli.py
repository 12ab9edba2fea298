"""`coach train-scorer` end to end on a small corpus cut from the real one (real encoders)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from scoring_support import REPO_ROOT

from coach.scoring.rubric import FIXED_CRITERIA

CORPUS = REPO_ROOT / "datasets" / "drafts"
#: Each run fits the scorer with the real encoders: several seconds even on this small corpus.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four English drafts each by two writers, with their briefs, all three label files, the
    trainers' plans and the emotion/link labels (drafts chosen among those that have them)."""
    root = tmp_path_factory.mktemp("corpus")
    checks = (CORPUS / "checks" / "emotion-link" / "first.jsonl").read_text().splitlines()
    chosen = {json.loads(line)["id"] for line in checks}
    briefs = {}
    for writer in ("w1", "w2"):
        rows = [json.loads(line) for line in (CORPUS / "briefs" / f"{writer}.jsonl").open()]
        rows = [r for r in rows if r["id"] in chosen and r["language"] == "en"][:4]
        briefs[writer] = rows
        (root / "texts" / writer).mkdir(parents=True)
        (root / "briefs").mkdir(exist_ok=True)
        with open(root / "briefs" / f"{writer}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
                shutil.copy(CORPUS / "texts" / writer / f"{row['id']}.txt", root / "texts" / writer)
    ids = {r["id"] for rows in briefs.values() for r in rows}
    for folder in ("labels", "checks/emotion-link", "checks/framing"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name in ("first", "second", "third"):
            lines = (CORPUS / folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            kept = [line for line in lines if json.loads(line)["id"] in ids]
            (root / folder / f"{name}.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    (root / "plans").mkdir()
    for path in (CORPUS / "plans").glob("*.jsonl"):
        kept = [line for line in path.read_text().splitlines() if json.loads(line)["id"] in ids]
        if kept:
            (root / "plans" / path.name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    return root


def test_train_scorer_writes_weights_that_name_their_data(run_coach, small_corpus, tmp_path):
    out = tmp_path / "weights.json"
    cache = tmp_path / "cache"
    result = run_coach(
        "train-scorer", "--corpus", small_corpus, "--out", out, "--cache-dir", cache, timeout=600
    )
    assert result.returncode == 0, result.stderr
    weights = json.loads(out.read_text(encoding="utf-8"))
    assert weights["schema"] == "narrative-coach/scorer-weights/v3"
    assert set(weights["kinds"]) == {"en", "multi"}
    assert "8 labelled drafts by 2 writers" in result.stderr
    assert list(cache.glob("sentence-vectors-*.npz")), "vectors are kept for the next run"


def test_cross_validation_reports_agreement_by_writer(run_coach, small_corpus, tmp_path):
    result = run_coach(
        "train-scorer",
        "--corpus",
        small_corpus,
        "--cross-validate",
        "--format",
        "json",
        "--cache-dir",
        tmp_path / "cache",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 8
    assert set(report["criteria"]) == set(FIXED_CRITERIA)
    assert "fold 1/2" in result.stderr


def test_a_folder_that_is_not_a_corpus_is_a_one_line_error(run_coach, tmp_path):
    result = run_coach("train-scorer", "--corpus", tmp_path, "--cross-validate")
    assert result.returncode == 2
    assert "not a draft corpus" in result.stderr
    assert "Traceback" not in result.stderr


def test_train_planner_learns_from_trainers_plans_and_keeps_the_scorers_reports(
    run_coach, small_corpus, tmp_path
):
    out, cache = tmp_path / "planner.json", tmp_path / "cache"
    first = run_coach(
        "train-planner", "--corpus", small_corpus, "--out", out, "--cache-dir", cache, timeout=600
    )
    assert first.returncode == 0, first.stderr
    assert "cross-validating the scorer by writer" in first.stderr
    planned = re.search(r"(\d+) plans for 8 drafts", first.stderr)  # some planned twice
    assert planned and int(planned.group(1)) >= 8
    weights = json.loads(out.read_text(encoding="utf-8"))
    assert weights["schema"] == "planner/v1" and len(weights["training_data"]) == 64
    again = run_coach(
        "train-planner",
        "--corpus",
        small_corpus,
        "--cross-validate",
        "--cache-dir",
        cache,
        "--format",
        "json",
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert "cross-validating the scorer" not in again.stderr  # the reports were kept
    assert json.loads(again.stdout)["planner"]["n"] == int(planned.group(1))


def test_train_planner_needs_trainers_plans(run_coach, small_corpus, tmp_path):
    bare = tmp_path / "corpus"
    shutil.copytree(small_corpus, bare, ignore=shutil.ignore_patterns("plans"))
    result = run_coach("train-planner", "--corpus", bare)
    assert result.returncode == 2
    assert "no trainers' plans" in result.stderr and "Traceback" not in result.stderr


def test_train_checks_fits_the_emotion_check_and_measures_it_against_the_old_rules(
    run_coach, small_corpus, tmp_path
):
    out, cache = tmp_path / "checks.json", tmp_path / "cache"
    fitted = run_coach(
        "train-checks", "--corpus", small_corpus, "--out", out, "--cache-dir", cache, timeout=600
    )
    assert fitted.returncode == 0, fitted.stderr
    weights = json.loads(out.read_text(encoding="utf-8"))
    assert weights["schema"] == "checks/v2"
    assert set(weights["models"]) == {"emotion", "values_first_framing"}
    measured = run_coach(
        "train-checks",
        "--corpus",
        small_corpus,
        "--cross-validate",
        "--format",
        "json",
        "--cache-dir",
        cache,
        timeout=600,
    )
    assert measured.returncode == 0, measured.stderr
    result = json.loads(measured.stdout)
    assert result["emotion"]["texts"] == 8 and result["link_self_us"]["texts"] == 8
    assert -1 <= result["emotion"]["qwk"] <= 1 and -1 <= result["emotion"]["qwk_phrase_rules"] <= 1
    assert "qwk" not in result["no_crisis_fatalism"]  # measured, not learned
    assert set(result["labellers"]) == {
        "emotion",
        "link_self_us",
        "values_first_framing",
        "no_crisis_fatalism",
        "no_myth_busting",
    }


def test_train_checks_needs_check_labels(run_coach, small_corpus, tmp_path):
    bare = tmp_path / "corpus"
    shutil.copytree(small_corpus, bare, ignore=shutil.ignore_patterns("checks"))
    result = run_coach("train-checks", "--corpus", bare)
    assert result.returncode == 2
    assert "no check labels" in result.stderr and "Traceback" not in result.stderr
