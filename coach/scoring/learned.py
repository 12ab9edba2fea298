"""The default scorer: a learned model for the labelled criteria, the rubric for the rest.

The eight labelled criteria, self/us/now, the story type and the overall come from the model
(``coach.scoring.model``), trained on independently written and labelled drafts. Criteria
the labels do not cover (the rubric's delivery and framing checks, or a trainer's own
criteria) are still scored by the rule engine, which also supplies features to the model.
English drafts use MiniLM vectors; Spanish and French drafts use multilingual e5; a draft in
any other language is not assessed rather than given a confident low score, and so is a
draft too short to judge (the model learned from drafts of 61 words and more).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from coach.report import CriterionScore, Evidence, Report
from coach.scoring.checks import CheckReading, check_weights, read_checks
from coach.scoring.engine import Scorer, overall_score
from coach.scoring.features import LANGUAGES, encoder_kind, extract
from coach.scoring.model import Prediction, ScorerWeights
from coach.scoring.rubric import FIXED_CRITERIA, Criterion, Rubric
from coach.scoring.signals import FIRST_PLURAL, FIRST_SINGULAR
from coach.text.draft import Draft
from coach.text.embeddings import CachedEncoder, MultilingualEmbedder

UNSURE_BELOW = 0.55  # a level the model gives less probability than this is reported as unsure
MIN_WORDS_TO_JUDGE = 20  # below this neither the language guess nor the model is trusted
NOT_ASSESSED_REASONS = {
    "too short": "Not assessed: too short to judge.",
    "language": "Not assessed in this language.",
}


def apply_caps(
    prediction: Prediction, rubric: Rubric, doc: dict[str, bool], flags: tuple[str, ...]
) -> tuple[Prediction, dict[str, str]]:
    """The rubric's caps for the whole-draft flags in ``flags``; returns why each level fell."""
    levels, why = dict(prediction.levels), {}
    for criterion in rubric.criteria:
        for cap in criterion.caps:
            flag = cap.when.partition(":")[2]
            if (
                criterion.id in levels
                and flag in flags
                and doc.get(flag)
                and levels[criterion.id] > cap.max
            ):
                levels[criterion.id] = cap.max
                why[criterion.id] = cap.reason
    return replace(prediction, levels=levels), why


def narrative_overall(prediction: Prediction, rubric: Rubric) -> int:
    """0-100 for a full public narrative: half the overall model's expected 1-5 rating, half the
    weighted share of the criteria's expected levels (the mix ranked drafts best in
    cross-validation, docs/scoring.md; either alone bunches strong drafts in the middle)."""
    weights = {c.id: c.weights["narrative"] for c in rubric.criteria if c.id in FIXED_CRITERIA}
    total = sum(weights.values())
    share = (
        sum(
            w * sum(i * p for i, p in enumerate(prediction.probabilities[c])) / 2
            for c, w in weights.items()
        )
        / total
        if total
        else 0.0
    )
    rating = (min(max(prediction.overall, 1.0), 5.0) - 1) / 4
    return round(100 * (0.5 * rating + 0.5 * share))


class LearnedScorer:
    """Same interface as the rule ``Scorer``: ``rubric`` and ``score(draft, story_type)``."""

    def __init__(self, rubric: Rubric, weights: ScorerWeights, embedder, multilingual=None) -> None:
        self.rubric = rubric
        self.weights = weights
        self.embedder = embedder
        self._encoders = {
            "en": CachedEncoder(embedder),
            "multi": CachedEncoder(multilingual or MultilingualEmbedder()),
        }
        # The rule engine's genre check embeds the draft's opening: remembered like sentences,
        # so rescoring after an edit further down does not embed it again.
        self.rules = Scorer(rubric, embedder=self._encoders["en"])

    @property
    def sentence_encoder(self) -> CachedEncoder:
        """English sentence vectors, remembered: coaching compares the draft it just scored
        with its illustration bank without embedding the draft again."""
        return self._encoders["en"]

    def clear_cache(self) -> None:
        """Forget remembered sentence vectors (benchmarks time a first score with this)."""
        for encoder in self._encoders.values():
            encoder.clear()

    def score(self, draft: Draft, story_type: str | None = None) -> Report:
        if draft.is_empty:
            return self.rules.score(draft, story_type)
        if draft.word_count < MIN_WORDS_TO_JUDGE:
            return self._not_assessed(
                draft,
                story_type,
                "too short",
                f"Too short to judge: {draft.word_count} words. Write at least "
                f"{MIN_WORDS_TO_JUDGE} — one moment: what happened, what you chose, what came "
                "of it — and it will be scored.",
            )
        if draft.language not in LANGUAGES:
            return self._not_assessed(
                draft,
                story_type,
                "language",
                f"Language detected: '{draft.language}'. Narrative Coach scores English, "
                "Spanish and French; this draft is not assessed (no overall, no criterion "
                "scores).",
            )
        kind = encoder_kind(draft.language)
        features = extract(draft, self.rules, self._encoders[kind], kind=kind)
        prediction = self.weights.kinds[kind].predict(features)
        prediction, capped = apply_caps(prediction, self.rubric, features.doc, self.weights.caps)
        if "template" in self.weights.caps and features.doc.get("template"):
            prediction = replace(prediction, story_type="non-narrative")  # the guide's rule
        checks = read_checks(
            check_weights(),
            prediction.probabilities,
            prediction.overall,
            prediction.components,
            features.sentence_vectors() if kind == "en" else None,
        )
        return report_from_prediction(
            self.rubric,
            draft,
            story_type,
            features.rule_report,
            prediction,
            capped,
            self.weights.training_data,
            checks,
        )

    def _not_assessed(self, draft: Draft, story_type: str | None, why: str, note: str) -> Report:
        """No overall and no criterion scores, with the one-line reason as the Report's note."""
        empty = self.rules.score(draft, story_type)
        criteria = tuple(
            replace(c, score=0, confidence=0.0, evidence=(), reason=NOT_ASSESSED_REASONS[why])
            for c in empty.criteria
        )
        return replace(
            empty,
            overall=0,
            components={"self": False, "us": False, "now": False},
            detected_story_type="not assessed",
            criteria=criteria,
            notes=(note,),
            extra={"scorer": {"engine": "learned", "assessed": False, "why": why}},
        )


# --- building the Report ------------------------------------------------------------------------


def report_from_prediction(
    rubric: Rubric,
    draft: Draft,
    story_type: str | None,
    rules: Report,
    prediction: Prediction,
    capped: dict[str, str],
    training_data: str,
    checks: Mapping[str, CheckReading] | None = None,
) -> Report:
    """The Report for a model's prediction (also used to make out-of-fold reports for
    training the coaching planner, so it learns from the same Report users get; those leave
    out the learned checks, which the planner does not read)."""
    criteria = tuple(
        _learned_criterion(rubric, draft, c, prediction, capped, checks or {})
        for c in rules.criteria
    )
    chosen = story_type or "narrative"
    if chosen == "narrative":
        overall = narrative_overall(prediction, rubric)
    else:
        overall = overall_score(rubric, list(criteria))
    notes = [n for n in rules.notes if not n.startswith("Language detected")]
    if prediction.story_type != "non-narrative":
        notes = [n for n in notes if not n.startswith("This reads like reference")]
    elif not any(n.startswith("This reads like reference") for n in notes):
        notes.append("This reads like reference or procedural text, not a public narrative.")
    if draft.language in ("es", "fr"):
        notes.append(
            f"Language detected: '{draft.language}'. Scored with the multilingual model, "
            "trained on fewer texts in this language: treat close calls with care."
        )
    unsure = [c.id for c in criteria if c.id in FIXED_CRITERIA and c.confidence < UNSURE_BELOW]
    return replace(
        rules,
        story_type=chosen,
        detected_story_type=prediction.story_type,
        overall=overall,
        components=dict(prediction.components),
        criteria=criteria,
        notes=tuple(notes),
        extra={
            "scorer": {
                "engine": "learned",
                "training_data": training_data[:12],
                "unsure": unsure,
                "overall_1_to_5": round(prediction.overall, 2),
                "probabilities": {c: list(p) for c, p in prediction.probabilities.items()},
            }
        },
    )


def _learned_criterion(
    rubric: Rubric,
    draft: Draft,
    rule: CriterionScore,
    prediction: Prediction,
    capped: dict,
    checks: Mapping[str, CheckReading],
) -> CriterionScore:
    """The model's level for the eight criteria, a learned check's where there is one, a level
    read from the story parts for a criterion that asks for that; the rule engine's for the
    rest."""
    if rule.id in FIXED_CRITERIA:
        return _criterion(rubric, draft, rule, prediction, capped)
    criterion = next(c for c in rubric.criteria if c.id == rule.id)
    if rule.id in checks:
        reading = checks[rule.id]
        evidence = tuple(_quote(draft, i) for i in reading.evidence)  # strongest first
        return replace(
            rule,
            score=reading.level,
            confidence=reading.confidence,
            reason=criterion.levels[reading.level],
            evidence=evidence,
        )
    if criterion.from_components and prediction.component_probabilities:
        return _from_components(criterion, rule, prediction, draft)
    return rule


#: The sentence quoted for a story part read in the draft: its first "I" or "we".
_PART_VOICE = {"self": FIRST_SINGULAR, "us": FIRST_PLURAL}


def _from_components(
    criterion: Criterion, rule: CriterionScore, prediction: Prediction, draft: Draft
) -> CriterionScore:
    """Level = how many of the criterion's story parts the model reads in the draft (at most
    2), with the probability of that count as the confidence; quoted: the first sentence in
    the voice of each part that is present (the "I" and the "we" the levels speak of)."""
    present = [prediction.components[part] for part in criterion.from_components]
    level = min(sum(present), 2)
    chances = [1.0]  # the distribution of the count, parts taken as independent
    for part in criterion.from_components:
        p = prediction.component_probabilities[part]
        chances = [
            (chances[k] if k < len(chances) else 0.0) * (1 - p)
            + (chances[k - 1] * p if k >= 1 else 0.0)
            for k in range(len(chances) + 1)
        ]
    confidence = round(float(sum(chances[level:]) if level == 2 else chances[level]), 2)
    quoted = []
    for part, found in zip(criterion.from_components, present, strict=True):
        voice = _PART_VOICE.get(part)
        first = next((s for s in draft.sentences if voice and voice.search(s.text)), None)
        if found and first is not None and first not in quoted:
            quoted.append(first)
    evidence = tuple(_quote(draft, s.index) for s in sorted(quoted, key=lambda s: s.start))
    return replace(
        rule, score=level, confidence=confidence, reason=criterion.levels[level], evidence=evidence
    )


def _criterion(
    rubric: Rubric, draft: Draft, rule: CriterionScore, prediction: Prediction, capped: dict
) -> CriterionScore:
    criterion = next(c for c in rubric.criteria if c.id == rule.id)
    level = prediction.levels[rule.id]
    probabilities = prediction.probabilities[rule.id]
    confidence = round(float(probabilities[level]), 2)
    reason = criterion.levels[level]
    if rule.id in capped:
        reason, confidence = f"{reason} ({capped[rule.id]})", 0.9
    elif confidence < UNSURE_BELOW:
        runner_up = max((i for i in range(3) if i != level), key=lambda i: probabilities[i])
        reason = f"{reason} ({_unsure(level, runner_up, probabilities)})"
    # Strongest first: the plan and the LLM brief quote the first sentence, and the likeliest
    # is a labeller's quote far more often than the earliest (docs/scoring.md, session 16).
    evidence = tuple(_quote(draft, i) for i in prediction.evidence[rule.id])
    return replace(rule, score=level, confidence=confidence, reason=reason, evidence=evidence)


def _unsure(level: int, runner_up: int, probabilities) -> str:
    """The level shown is cut from the expected level (fitted for agreement with labellers), so
    the runner-up can be the likelier single level; then "also likely" would mislead."""
    share = round(100 * probabilities[runner_up])
    if probabilities[runner_up] > probabilities[level]:
        low, high = sorted((level, runner_up))
        return f"unsure: {low} or {high}, {share}% for {runner_up}"
    return f"unsure: level {runner_up} is also likely, {share}%"


def _quote(draft: Draft, index: int) -> Evidence:
    sentence = draft.sentences[index]
    return Evidence(start=sentence.start, end=sentence.end, text=sentence.text, signal="model")
