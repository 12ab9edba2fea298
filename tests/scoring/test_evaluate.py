"""Agreement metrics on values checked by hand, and `coach eval` on labelled folders."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from scoring_support import DEV_SET, FIXED_IDS, SAMPLES

from coach.errors import InputError
from coach.scoring.evaluate import evaluate, load_labelled_dir, quadratic_weighted_kappa, spearman
from coach.scoring.pipeline import score_text

# --- quadratic-weighted kappa ------------------------------------------------------------


def test_kappa_is_one_for_perfect_agreement() -> None:
    assert quadratic_weighted_kappa([0, 1, 2, 2, 1], [0, 1, 2, 2, 1]) == 1.0


def test_kappa_small_case_by_hand() -> None:
    # a = [0, 0, 1, 1], b = [0, 1, 1, 1]; weights w(i, j) = (i - j)^2 / 4.
    # Observed: (0,0)=1, (0,1)=1, (1,1)=2           -> sum w*O = 1 * 0.25        = 0.25
    # Margins: a -> [2, 2, 0], b -> [1, 3, 0], N = 4
    # Expected E = outer / 4: (0,0)=0.5, (0,1)=1.5, (1,0)=0.5, (1,1)=1.5
    #                                                -> sum w*E = (1.5 + 0.5) * 0.25 = 0.5
    # kappa = 1 - 0.25 / 0.5 = 0.5
    assert quadratic_weighted_kappa([0, 0, 1, 1], [0, 1, 1, 1]) == pytest.approx(0.5)


def test_kappa_is_minus_one_for_opposite_extremes() -> None:
    # Observed (0,2)=1, (2,0)=1 -> sum w*O = 2; E = 0.5 in each corner -> sum w*E = 1.
    assert quadratic_weighted_kappa([0, 2], [2, 0]) == pytest.approx(-1.0)


def test_a_text_of_weight_two_counts_as_two_texts_in_kappa() -> None:
    """Weights let one genre count less when fitting cut-points (docs/scoring.md)."""
    doubled = quadratic_weighted_kappa([0, 0, 1, 1, 0], [0, 1, 1, 1, 1])
    weighted = quadratic_weighted_kappa([0, 0, 1, 1], [0, 1, 1, 1], sample_weight=[1, 2, 1, 1])
    assert weighted == pytest.approx(doubled)
    assert weighted != pytest.approx(quadratic_weighted_kappa([0, 0, 1, 1], [0, 1, 1, 1]))


def test_kappa_when_both_raters_use_one_category() -> None:
    assert quadratic_weighted_kappa([1, 1, 1], [1, 1, 1]) == 1.0


def test_kappa_needs_two_equal_non_empty_lists() -> None:
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([0, 1], [0])
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([], [])


# --- Spearman -------------------------------------------------------------------------------


def test_spearman_of_monotone_lists() -> None:
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)


def test_spearman_small_case_by_hand() -> None:
    # Ranks of b are [1, 3, 2, 4]; d = [0, -1, 1, 0], sum d^2 = 2;
    # rho = 1 - 6 * 2 / (4 * (16 - 1)) = 1 - 12 / 60 = 0.8
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)


def test_spearman_with_ties_uses_average_ranks() -> None:
    # Ranks of a: [1, 2.5, 2.5, 4]; of b: [1, 2, 3, 4]; both centred on 2.5.
    # cov = (-1.5)(-1.5) + 0 + 0 + (1.5)(1.5) = 4.5; var a = 4.5; var b = 5
    # rho = 4.5 / sqrt(4.5 * 5) = sqrt(0.9)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.9))


def test_spearman_of_a_constant_list_is_zero() -> None:
    assert spearman([3, 3, 3], [1, 2, 3]) == 0.0


# --- labelled folders -------------------------------------------------------------------------

STORY = (
    "Last March the heat went out at 41 Alder Street for nine days, and I was scared for "
    "the Okafor kids. I decided to knock on every door, and we filed a complaint together. "
    "Within two weeks the landlord fixed the boiler, and I learned that we are stronger "
    "together. The housing board votes on the rent cap on Tuesday, June 12. Imagine a city "
    "where nobody has to sleep in a coat; Riverton did it last year. Sign the petition at "
    "alderstreet.org and come to City Hall on Tuesday at 7 pm."
)


def _label(text_id: str, overall: int, **labels: int) -> dict:
    full = dict.fromkeys(FIXED_IDS, 0) | labels
    return {"id": text_id, "labels": full, "overall": overall, "self": False, "us": False}


def make_labelled_dir(root: Path) -> Path:
    """Three texts with labels in the format of ../shared/eval/dev."""
    (root / "texts").mkdir(parents=True)
    texts = {
        "story": STORY,
        "recipe": (SAMPLES / "recipe.txt").read_text(encoding="utf-8"),
        "slogan": "Together we can make a difference! Get involved today. Our community deserves "
        "better, and everyone has a part to play in the change we need.",
    }
    for text_id, text in texts.items():
        (root / "texts" / f"{text_id}.txt").write_text(text, encoding="utf-8")
    records = [
        _label(
            "story",
            5,
            challenge=2,
            choice=2,
            outcome=2,
            hope=2,
            call_to_action=2,
            values=2,
            specificity=2,
            urgency=2,
        ),
        _label("recipe", 1, specificity=1),
        _label("slogan", 2, call_to_action=1, urgency=1),
    ]
    (root / "labels.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )
    return root


def test_evaluate_a_small_labelled_folder(scorer, tmp_path: Path) -> None:
    items = load_labelled_dir(make_labelled_dir(tmp_path / "set"))
    assert [i.id for i in items] == ["story", "recipe", "slogan"]
    result = evaluate(items, lambda text: score_text(text, scorer))
    assert result["n"] == 3
    assert list(result["criteria"]) == list(FIXED_IDS)
    for metrics in result["criteria"].values():
        assert 0 <= metrics["exact"] <= metrics["within_one"] <= 1
        assert -1 <= metrics["qwk"] <= 1
    assert result["overall_spearman"] == pytest.approx(1.0)  # story > slogan > recipe


@pytest.mark.slow
def test_coach_eval_json_on_a_small_labelled_folder(run_coach, scorer, tmp_path: Path) -> None:
    folder = make_labelled_dir(tmp_path / "set")
    result = run_coach("eval", folder, "--format", "json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert {"n", "criteria", "mean_qwk", "mean_within_one", "overall_spearman"} <= set(output)
    assert "per_text" not in output  # only with --per-text
    assert output["n"] == 3
    assert set(output["criteria"]) == set(FIXED_IDS)
    for metrics in output["criteria"].values():
        assert set(metrics) >= {"exact", "within_one", "qwk"}
    in_process = evaluate(load_labelled_dir(folder), lambda text: score_text(text, scorer))
    assert output["mean_qwk"] == in_process["mean_qwk"]
    assert output["overall_spearman"] == in_process["overall_spearman"]


def test_coach_eval_on_a_folder_without_labels(run_coach, tmp_path: Path) -> None:
    result = run_coach("eval", tmp_path)
    assert result.returncode == 2
    assert "no labels.jsonl" in result.stderr


def test_a_malformed_label_line_is_named(tmp_path: Path) -> None:
    folder = make_labelled_dir(tmp_path / "set")
    with (folder / "labels.jsonl").open("a", encoding="utf-8") as labels:
        labels.write('{"id": "broken", "labels": \n')
    with pytest.raises(InputError, match=r"labels\.jsonl:4: malformed record"):
        load_labelled_dir(folder)


def test_a_label_without_its_text_is_named(tmp_path: Path) -> None:
    folder = make_labelled_dir(tmp_path / "set")
    (folder / "texts" / "slogan.txt").unlink()
    with pytest.raises(InputError, match=r"labels\.jsonl:3: cannot read text"):
        load_labelled_dir(folder)


@pytest.mark.slow
@pytest.mark.skipif(not DEV_SET.is_dir(), reason=f"labelled dev set not found at {DEV_SET}")
def test_coach_eval_meets_the_targets_on_the_dev_set(run_coach) -> None:
    """The issue's targets: mean QWK >= 0.6, within-one >= 90%, Spearman of overall >= 0.7."""
    result = run_coach("eval", DEV_SET, "--format", "json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["n"] >= 17
    assert output["mean_qwk"] >= 0.6, output["criteria"]
    assert output["mean_within_one"] >= 0.9, output["criteria"]
    assert output["overall_spearman"] >= 0.7
