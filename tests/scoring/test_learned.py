"""The learned scorer: how labels are settled, how weights are kept, and what it reports.

The shipped weights are real (fitted on datasets/drafts); the small fit below uses the real
MiniLM embedder on a handful of texts, so nothing here is a mock.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from scoring_support import REPO_ROOT

from coach.scoring.dataset import LabelledDraft, corpus_hash, evidence_indices, load_corpus, settle
from coach.scoring.engine import Scorer
from coach.scoring.learned import LearnedScorer
from coach.scoring.model import EVIDENCE_COLUMNS, KindModel, Linear, ScorerWeights, evidence_rows
from coach.scoring.rubric import FIXED_CRITERIA, load_rubric
from coach.scoring.training import TrainConfig, corpus_features, fit
from coach.text.draft import make_draft
from coach.text.embeddings import Embedder

CORPUS = REPO_ROOT / "datasets" / "drafts"


def label(level: int, **fields) -> dict:
    record = {
        "labels": {c: level for c in FIXED_CRITERIA},
        "self": False,
        "us": False,
        "now": False,
        "overall": 2,
        "story_type": "self",
        "evidence": {},
    }
    record.update(fields)
    return record


def test_two_labellers_who_agree_settle_it():
    settled = settle(label(1), label(1), None)
    assert settled["labels"]["hope"] == 1 and settled["story_type"] == "self"


def test_a_third_labeller_settles_a_disagreement_by_the_median():
    first = label(0, overall=2)
    second = label(2, overall=4)
    third = {"labels": {c: 1 for c in FIXED_CRITERIA}, "overall": 5}
    settled = settle(first, second, third)
    assert settled["labels"]["outcome"] == 1
    assert settled["overall"] == 4


def test_evidence_comes_only_from_labellers_who_scored_the_criterion():
    first = label(0)
    second = label(2, evidence={"hope": ["By June the lift works."]})
    third = {"labels": {"hope": 2}}
    settled = settle(first, second, third)
    assert settled["evidence"]["hope"] == ("By June the lift works.",)
    assert "challenge" not in settled["evidence"] or settled["labels"]["challenge"] > 0


def test_a_quoted_sentence_is_found_despite_curly_quotes_and_spacing():
    sentences = ["We met at the “Crown” pub.", "Nothing changed."]
    assert evidence_indices(sentences, ('We met at the "Crown"  pub.',)) == {0}


def test_a_linear_model_reads_back_to_the_same_probabilities():
    model = Linear(
        mean=np.array([0.5, -1.0]),
        scale=np.array([2.0, 1.0]),
        coef=np.array([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.0]]),
        intercept=np.array([0.0, 0.1, -0.1]),
        classes=(0, 1, 2),
    )
    rows = np.array([[1.0, 2.0], [-3.0, 0.5]])
    again = Linear.from_dict(json.loads(json.dumps(model.to_dict())))
    assert np.allclose(model.proba(rows), again.proba(rows), atol=1e-5)
    assert np.allclose(model.proba(rows).sum(axis=1), 1.0)


def kind_model(decision: str, cutpoints: dict) -> KindModel:
    return KindModel((), (), {}, {}, {}, {}, decision, cutpoints=cutpoints)


def test_cutpoints_decide_where_the_expected_level_becomes_a_one_and_a_two():
    """An expected level of 0.9 is a 1 with the usual rounding; fitted cut-points can differ."""
    probabilities = np.array([0.3, 0.5, 0.2])  # expected level 0.9
    assert kind_model("expected", {}).level("hope", probabilities) == 1
    assert kind_model("cutpoints", {"hope": (0.95, 1.6)}).level("hope", probabilities) == 0
    assert kind_model("cutpoints", {"hope": (0.3, 0.85)}).level("hope", probabilities) == 2


def test_the_evidence_ranker_sees_each_sentence_beside_the_drafts_others():
    """Stage 1 may be lukewarm about every sentence of a draft; the ranker still sees which
    one is this draft's best for the criterion and what the other criteria claim."""
    probs = {c: np.tile([0.9, 0.1, 0.0], (3, 1)) for c in FIXED_CRITERIA}
    probs["call_to_action"] = np.array([[0.95, 0.05, 0.0], [0.7, 0.2, 0.1], [0.8, 0.1, 0.1]])
    rows = evidence_rows(probs, "call_to_action")
    column = {name: rows[:, i] for i, name in enumerate(EVIDENCE_COLUMNS)}
    assert rows.shape == (3, len(EVIDENCE_COLUMNS))
    assert column["rank"].tolist() == [2, 0, 1] and column["is_best"].tolist() == [0, 1, 0]
    assert column["share_of_best"][1] == pytest.approx(1.0)
    assert column["previous"][1] == pytest.approx(0.05) and column["next"][1] == pytest.approx(0.2)
    assert column["others_max"].tolist() == pytest.approx([0.1, 0.1, 0.1])


def test_sentences_with_equal_probability_share_their_rank_for_the_evidence_ranker():
    """Two sentences stage 1 rates alike are equally good evidence: neither is 'the best'
    only because it comes first."""
    probs = {c: np.tile([0.9, 0.1, 0.0], (3, 1)) for c in FIXED_CRITERIA}
    probs["hope"] = np.array([[0.2, 0.5, 0.3], [0.8, 0.1, 0.1], [0.2, 0.5, 0.3]])
    column = dict(zip(EVIDENCE_COLUMNS, evidence_rows(probs, "hope").T, strict=True))
    assert column["rank"].tolist() == [0, 2, 0] and column["is_best"].tolist() == [1, 0, 1]


def test_the_weights_file_keeps_the_cutpoints_and_thresholds(tmp_path):
    weights = ScorerWeights.load()
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(weights.to_dict()), encoding="utf-8")
    again = ScorerWeights.load(path)
    for kind, model in weights.kinds.items():
        assert again.kinds[kind].cutpoints == model.cutpoints
        assert again.kinds[kind].component_threshold == model.component_threshold
        assert all(0 < low < high < 2 for low, high in model.cutpoints.values())


def test_the_english_template_check_never_caps_another_language(scorer):
    """The rule engine's whole-draft flags read English; a Spanish speech is not a 'template'."""
    text = (CORPUS / "texts" / "w3" / "w3_053.txt").read_text(encoding="utf-8")
    draft = make_draft(text)
    assert draft.language == "es"
    assert scorer.rules.context(draft).doc.get("template"), "the English check misfires here"
    report = scorer.score(draft)
    assert not any("template" in c.reason for c in report.criteria)
    assert report.criterion("choice").score >= 1


@pytest.fixture(scope="module")
def tiny_corpus() -> list[LabelledDraft]:
    """Twelve labelled drafts by two writers, taken from the real corpus."""
    drafts = [d for d in load_corpus(CORPUS) if d.language == "en"]
    by_writer = {w: [d for d in drafts if d.writer == w][:6] for w in ("w1", "w2")}
    return by_writer["w1"] + by_writer["w2"]


@pytest.mark.slow
def test_fitting_twice_on_the_same_drafts_gives_the_same_weights(tiny_corpus):
    embedder = Embedder()
    rules = Scorer(load_rubric(None), embedder=embedder)
    features = corpus_features(tiny_corpus, rules, {"en": embedder})
    first = fit(tiny_corpus, features, {"en": embedder.model_id}, TrainConfig())
    second = fit(tiny_corpus, features, {"en": embedder.model_id}, TrainConfig())
    assert first.to_dict() == second.to_dict()
    assert first.training_data == corpus_hash(tiny_corpus)


@pytest.mark.slow
def test_a_criterion_nobody_scored_above_zero_still_fits_and_shows_no_evidence(tiny_corpus):
    """Small or lopsided data: no draft has hope at 1 or 2, so nothing teaches the evidence
    ranker what a quoted sentence looks like; fitting must not fail over it."""
    hopeless = [replace(d, labels={**d.labels, "hope": 0}) for d in tiny_corpus]
    embedder = Embedder()
    rules = Scorer(load_rubric(None), embedder=embedder)
    features = corpus_features(hopeless, rules, {"en": embedder})
    weights = fit(hopeless, features, {"en": embedder.model_id}, TrainConfig())
    prediction = weights.kinds["en"].predict(features["en"][0])
    assert prediction.levels["hope"] == 0 and prediction.evidence["hope"] == ()


def test_a_speech_excerpt_counts_half_as_much_as_a_writers_text_when_fitting():
    drafts = load_corpus(CORPUS)
    speech = next(d for d in drafts if d.id.startswith("pres_"))
    written = next(d for d in drafts if d.writer == "w1")
    assert speech.is_speech_excerpt and not written.is_speech_excerpt
    assert TrainConfig().draft_weights([speech, written]).tolist() == [0.5, 1.0]
    with pytest.raises(ValueError):
        TrainConfig(speech_weight=0)


def test_the_criteria_can_be_regularised_apart_from_the_other_draft_targets():
    config = TrainConfig(draft_c=0.01, criterion_c=0.005)
    assert config.c_for("outcome") == 0.005 and config.c_for("overall") == 0.01
    assert TrainConfig(draft_c=0.01).c_for("outcome") == 0.01  # by default, as every target
    assert TrainConfig(target_c={"outcome": 1.0}).c_for("outcome") == 1.0  # an override wins
    with pytest.raises(ValueError):
        TrainConfig(criterion_c=0)


@pytest.mark.slow
def test_the_speech_weight_changes_what_is_learned_from_speeches(tiny_corpus):
    """Two writers' drafts and two excerpts: weighting the excerpts differently moves stage 2."""
    speeches = [d for d in load_corpus(CORPUS) if d.is_speech_excerpt][:4]
    drafts = tiny_corpus + speeches
    embedder = Embedder()
    rules = Scorer(load_rubric(None), embedder=embedder)
    features = corpus_features(drafts, rules, {"en": embedder})
    even = fit(drafts, features, {"en": embedder.model_id}, TrainConfig(speech_weight=1.0))
    half = fit(drafts, features, {"en": embedder.model_id}, TrainConfig(speech_weight=0.5))
    moved = [
        target
        for target, model in even.kinds["en"].draft.items()
        if not np.allclose(model.coef, half.kinds["en"].draft[target].coef)
    ]
    assert moved, "stage 2 learned the same from half-weighted speeches"


def test_the_shipped_weights_say_what_they_were_trained_on():
    weights = ScorerWeights.load()
    assert weights.training_data == corpus_hash(load_corpus(CORPUS))
    assert set(weights.kinds) == {"en", "multi"}


def test_the_default_scorer_is_the_learned_one(scorer):
    assert isinstance(scorer, LearnedScorer)


def test_the_same_draft_gives_the_same_report(score):
    text = (CORPUS / "texts" / "w3" / "w3_010.txt").read_text(encoding="utf-8")
    assert score(text).to_dict() == score(text).to_dict()


def test_evidence_spans_are_slices_of_the_draft(score):
    text = (CORPUS / "texts" / "w2" / "w2_005.txt").read_text(encoding="utf-8")
    report = score(text)
    spans = [e for c in report.criteria for e in c.evidence]
    assert spans, "a workshop draft should have some evidence"
    assert all(text[e.start : e.end] == e.text for e in spans)


def test_a_spanish_draft_is_scored_with_the_multilingual_model(score):
    text = (
        "Hace dos inviernos trabajaba de noche en el Hospital San Telmo de Rosario. Una madrugada "
        "encontré a don Aurelio, de ochenta años, esperando en una camilla en el pasillo desde "
        "las diez de la noche. Me agarró la manga y me preguntó si alguien sabía que estaba ahí. "
        "Esa semana decidí anotar cada paciente que esperaba más de doce horas: fueron cuarenta. "
        "Llevamos la lista a la dirección y en dos meses abrieron una sala de espera con seis "
        "enfermeras más. Ahora quieren recortar el turno de noche. Vengan el jueves 14 a las 19 h "
        "a la asamblea en el salón del sindicato, calle Mitre 1420."
    )
    report = score(text)
    assert report.language == "es"
    assert report.extra["scorer"]["engine"] == "learned"
    assert report.overall > 0
    assert report.criterion("call_to_action").score >= 1


def test_a_draft_in_another_language_is_not_assessed(score):
    text = (
        "Vor zwei Jahren arbeitete ich nachts im Krankenhaus. Eines Nachts fand ich einen alten "
        "Mann, der seit Stunden auf dem Flur wartete. Ich beschloss, jeden Patienten "
        "aufzuschreiben, "
        "der länger als zwölf Stunden wartete. Kommt am Donnerstag um sieben zur Versammlung."
    )
    report = score(text)
    assert report.overall == 0
    assert report.extra["scorer"]["assessed"] is False
    assert "not assessed" in report.notes[0]


def test_a_draft_too_short_to_judge_gets_no_scores_and_says_how_long_to_write(score):
    """The model learned from drafts of 61 words and more: seven words are not judged at all
    (they used to get 31/100 with a challenge, a choice and an outcome at 1)."""
    report = score("We need to fix this now, everyone.")
    assert not report.assessed and report.extra["scorer"]["why"] == "too short"
    assert report.overall == 0 and not any(report.components.values())
    assert all(c.score == 0 and not c.evidence for c in report.criteria)
    assert report.why_not_assessed.startswith("Too short to judge: 7 words")
    assert "20" in report.why_not_assessed


@pytest.mark.slow
def test_an_unsure_level_says_so(score):
    """Whenever the model gives its chosen level little probability, the reason says it."""
    reports = [
        score(path.read_text(encoding="utf-8"))
        for path in sorted((CORPUS / "texts" / "w4").glob("*.txt"))[:12]
    ]
    unsure = [(r, c) for r in reports for c in r.criteria if c.id in r.extra["scorer"]["unsure"]]
    assert unsure, "twelve drafts should have at least one close call"
    assert all("unsure" in c.reason for _, c in unsure)


def test_an_unsure_level_never_calls_a_likelier_level_merely_also_likely():
    """The level is cut from the expected level, so the runner-up can be the likelier one."""
    from coach.scoring.learned import _unsure

    assert _unsure(2, 1, (0.02, 0.33, 0.65)) == "unsure: level 1 is also likely, 33%"
    assert _unsure(2, 1, (0.05, 0.65, 0.30)) == "unsure: 1 or 2, 65% for 1"


def test_a_recipe_scores_low(score):
    text = (REPO_ROOT / "tests" / "samples" / "recipe.txt").read_text(encoding="utf-8")
    report = score(text)
    assert report.overall <= 30
    assert report.detected_story_type == "non-narrative"


def test_features_match_the_weights_columns(scorer):
    draft = make_draft("I walked in. We decided to act. Come on Thursday at 7 pm to the hall.")
    report = scorer.score(draft)
    assert report.extra["scorer"]["engine"] == "learned"


def test_the_link_from_self_to_us_follows_the_learned_self_and_us_reading(score):
    """The phrase signals missed a "we" in a story told about "she"; the level now counts the
    story parts the model reads, and quotes the draft's "I" and "we" where it finds them."""
    told_about_her = (
        "Maria worked nights at the county hospital for eleven years. She watched the ward lose "
        "three nurses in one winter and nobody replaced them. She decided to speak at the board "
        "meeting in March, even though she was afraid. The board listened, and two posts came "
        "back by June. She thinks we can do it again this year. Come to the meeting on Thursday "
        "at 6 pm in the staff room and sign the letter."
    )
    report = score(told_about_her)
    link = next(c for c in report.criteria if c.id == "link_self_us")
    assert report.components["self"] and report.components["us"]
    assert link.score == 2
    assert [e.text for e in link.evidence] == ["She thinks we can do it again this year."]
    assert 0 < link.confidence <= 1


def test_a_text_with_no_story_parts_has_no_link_and_quotes_nothing(score):
    text = (REPO_ROOT / "tests" / "samples" / "recipe.txt").read_text(encoding="utf-8")
    report = score(text)
    link = next(c for c in report.criteria if c.id == "link_self_us")
    assert not report.components["self"] and not report.components["us"]
    assert link.score == 0 and link.evidence == ()
