"""The learned checks (emotion, the opening): labels, shipped weights, what a Report says.

The weights are the shipped ones (fitted on datasets/drafts/checks with real sentence vectors);
the drafts are scored by the real learned scorer, so nothing here is a mock.
"""

from __future__ import annotations

import json

import numpy as np
from scoring_support import REPO_ROOT

from coach.scoring.checks import (
    CheckWeights,
    check_weights,
    labels_hash,
    load_check_labels,
    read_checks,
    sentence_rows,
)

CHECKS = REPO_ROOT / "datasets" / "drafts" / "checks"

FLOOD = (
    "The night the river came over the wall, I carried Mrs Okafor's cat up three flights while "
    "she held my arm and prayed. By morning forty families were sleeping in the school gym. "
    "Nobody from the council came for two days. So we did it ourselves: the bakery sent bread, "
    "the mosque sent blankets, and the teenagers from the estate ran a phone tree until every "
    "door had been knocked. I have never been prouder of where I live. We proved we can look "
    "after each other; now the council must fund the flood wall. Come to the budget meeting "
    "on Tuesday at 7 pm at the town hall and stand with us."
)


def _write(folder, name, rows):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_two_labellers_who_agree_settle_it_and_a_third_settles_a_dispute(tmp_path):
    base = {"emotion_evidence": ["It moved me."], "link_evidence": []}
    round_one = tmp_path / "emotion-link"
    _write(
        round_one,
        "first",
        [
            {"id": "a", "emotion": 2, "link_self_us": 1, **base},
            {
                "id": "b",
                "emotion": 0,
                "link_self_us": 0,
                "emotion_evidence": [],
                "link_evidence": [],
            },
        ],
    )
    _write(
        round_one,
        "second",
        [
            {"id": "a", "emotion": 2, "link_self_us": 2, **base},
            {
                "id": "b",
                "emotion": 2,
                "link_self_us": 0,
                "emotion_evidence": ["We won."],
                "link_evidence": [],
            },
        ],
    )
    _write(round_one, "third", [{"id": "b", "emotion": 1, "emotion_evidence": ["We won."]}])
    _write(tmp_path / "framing", "first", [{"id": "a", "no_myth_busting": 2}])
    _write(tmp_path / "framing", "second", [{"id": "a", "no_myth_busting": 2}])
    labels = load_check_labels(tmp_path)
    assert labels["a"].level == {"emotion": 2, "link_self_us": 1, "no_myth_busting": 2}
    assert labels["b"].level["emotion"] == 1  # the median of 0, 2 and the third's 1
    assert labels["b"].evidence["emotion"] == (
        "We won.",
    )  # what the settled level's labeller quoted


def test_the_shipped_check_weights_name_the_labels_they_were_fitted_on():
    labels = load_check_labels(CHECKS)
    assert len(labels) == 300 and all(len(label.level) == 5 for label in labels.values())
    assert check_weights().training_data == labels_hash(CHECKS)
    assert set(check_weights().models) == {"emotion", "values_first_framing"}


def test_the_weights_read_back_to_the_same_levels():
    weights = check_weights()
    again = CheckWeights.from_dict(json.loads(json.dumps(weights.to_dict())))
    probabilities = {c: (0.2, 0.5, 0.3) for c in ("challenge", "choice", "outcome", "hope")}
    probabilities |= {c: (0.1, 0.3, 0.6) for c in ("call_to_action", "values", "specificity")}
    probabilities["urgency"] = (0.6, 0.3, 0.1)
    parts = {"self": True, "us": True, "now": False}
    vectors = np.random.default_rng(0).normal(size=(5, 384)).astype(np.float32)
    assert read_checks(weights, probabilities, 3.2, parts, vectors) == read_checks(
        again, probabilities, 3.2, parts, vectors
    )


def test_each_sentence_is_read_beside_where_it_sits():
    rows = sentence_rows(np.ones((3, 4)))
    assert rows.shape == (3, 7)
    assert rows[:, 4].tolist() == [0.0, 0.5, 1.0]  # relative position
    assert rows[:, 5].tolist() == [1, 0, 0] and rows[:, 6].tolist() == [0, 0, 1]


def test_a_recipe_moves_nobody_and_quotes_nothing(score):
    report = score((REPO_ROOT / "tests" / "samples" / "recipe.txt").read_text(encoding="utf-8"))
    emotion = report.criterion("emotion")
    assert emotion.score == 0 and emotion.evidence == ()


def test_a_story_of_a_flood_and_what_neighbours_did_carries_emotion_in_its_own_sentences(score):
    report = score(FLOOD)
    emotion = report.criterion("emotion")
    assert emotion.score == 2
    assert len(emotion.evidence) == check_weights().models["emotion"].quotes[2]
    assert all(FLOOD[e.start : e.end] == e.text for e in emotion.evidence)
    assert emotion.reason == "Enabling emotions carry the draft."


def test_a_story_that_opens_on_a_night_and_a_person_opens_with_a_story(score):
    opening = score(FLOOD).criterion("values_first_framing")
    assert opening.score == 2
    assert FLOOD.split(". ")[0] in [e.text.rstrip(".") for e in opening.evidence]


def test_a_report_that_opens_on_its_figures_does_not_open_with_a_story(score):
    text = (
        "In 2024 the county spent 4.2 million dollars on road repairs, 12 percent more than in "
        "2023. Of 340 reported potholes, 291 were filled within 30 days. The remaining 49 "
        "are scheduled for the spring programme. Residents can report a pothole on the county "
        "website or by calling 555 0134 during office hours."
    )
    assert score(text).criterion("values_first_framing").score < 2


def test_a_spanish_draft_gets_a_level_from_the_scorers_outputs_but_no_quote(score):
    text = (
        "Hace dos inviernos trabajaba de noche en el Hospital San Telmo de Rosario. Una madrugada "
        "encontré a don Aurelio, de ochenta años, esperando en una camilla en el pasillo desde "
        "las diez de la noche. Esa semana decidí anotar cada paciente que esperaba más de doce "
        "horas: fueron cuarenta. Llevamos la lista a la dirección y en dos meses abrieron una "
        "sala de espera con seis enfermeras más. Vengan el jueves 14 a las 19 h a la asamblea."
    )
    report = score(text)
    emotion = report.criterion("emotion")
    assert report.language == "es"
    assert emotion.score >= 1 and emotion.evidence == ()  # sentence vectors are English-only
    assert 0 < emotion.confidence <= 1
