"""Draft + Rubric -> Report. Deterministic: the same text always gives the same Report.

The engine is generic. For each criterion it checks every sentence against the rubric's
signals; each kind of evidence found anywhere adds its weight once (a criterion's parts:
for hope, a picture of the future *and* a reason to believe it), more evidence sentences
add a small bonus, and the rubric's thresholds map the sum onto 0/1/2. Whole-draft
properties (procedural text, a non-narrative genre, statistics only, heavy hedging, a
template) cap scores where the rubric says so, so that recipes, READMEs and templates
full of framework words score low. The engine only counts; ``signals.doc_flags`` decides
those properties from the rubric's thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coach.report import CriterionScore, Evidence, Report
from coach.scoring import metrics
from coach.scoring.rubric import Criterion, Detection, Rubric, Signal
from coach.scoring.signals import (
    DraftCounts,
    SignalContext,
    concrete_details,
    doc_flags,
    episode_flags,
    is_past_tense,
    is_statistic,
    matches,
    narrated_past,
    starts_imperative,
    strip_list_marker,
)
from coach.scoring.vocabulary import COMPONENTS, DEFAULT_STORY_TYPE, EMPTY, NON_NARRATIVE
from coach.text.draft import Draft, make_draft

MAX_EVIDENCE = 3
ENGLISH_LEXICONS = {"en"}


@dataclass(frozen=True)
class _SentenceHit:
    index: int
    score: float
    labels: tuple[str, ...]


class Scorer:
    """Scores drafts against one rubric. Build once, reuse: it caches compiled signals.

    ``embedder`` is optional: with it, the genre check also compares the draft with the
    rubric's genre prototypes; without it, only lexical and structural signals are used.
    """

    def __init__(self, rubric: Rubric, embedder=None) -> None:
        self.rubric = rubric
        self.embedder = embedder
        self._action_verbs = frozenset(v.lower() for v in rubric.action_verbs)
        self._procedural_verbs = frozenset(v.lower() for v in rubric.procedural_verbs)
        self._genre_prototypes: tuple[np.ndarray, np.ndarray] | None = None

    # --- whole-draft properties -----------------------------------------------------------

    def _genre_margin(self, draft: Draft) -> float | None:
        """Similarity to narrative prototypes minus similarity to non-narrative ones."""
        genres = self.rubric.genres
        if self.embedder is None or genres is None or draft.word_count < genres.min_words:
            return None
        if self._genre_prototypes is None:
            narrative = np.stack([self._opening_vector(make_draft(t)) for t in genres.narrative])
            other = np.stack([self._opening_vector(make_draft(t)) for t in genres.non_narrative])
            self._genre_prototypes = (narrative, other)
        narrative, other = self._genre_prototypes
        vector = self._opening_vector(draft)
        return float(np.max(narrative @ vector) - np.max(other @ vector)) - genres.margin

    def _opening_vector(self, draft: Draft) -> np.ndarray:
        """The mean of the opening sentences' vectors: the learned scorer has embedded (and
        remembered) them already, so an edit in the opening costs no second embedding."""
        limit = self.rubric.genres.sample_chars
        sentences = [s.text for s in draft.sentences if s.start < limit] or [draft.text[:limit]]
        mean = self.embedder.embed(sentences).mean(axis=0)
        return mean / (float(np.linalg.norm(mean)) or 1.0)

    def doc_features(self, draft: Draft, episode: tuple[bool, ...]) -> dict[str, bool]:
        """Whole-draft properties that rubric caps refer to as ``doc:NAME``."""
        return doc_flags(self.draft_counts(draft, episode), self.rubric.doc_flags)

    def draft_counts(self, draft: Draft, episode: tuple[bool, ...]) -> DraftCounts:
        """What the ``doc:`` flags are decided from, with this rubric's verbs and lexicons."""
        sentences = draft.sentences
        detection, count = self.rubric.detection, self.rubric.count
        return DraftCounts(
            sentences=len(sentences),
            words=draft.word_count,
            instructions=sum(
                starts_imperative(strip_list_marker(s.text), self._procedural_verbs)
                for s in sentences
            ),
            narrated=sum(narrated_past(s.text) for s in sentences),
            statistics=sum(is_statistic(s.text) for s in sentences),
            hedges=count(detection.hedges, draft.text),
            blocking=count(detection.blocking_emotion, draft.text),
            solutions=count(detection.solutions, draft.text),
            template_markers=count(detection.template, draft.text),
            episodes=sum(episode),
            genre_margin=self._genre_margin(draft),
        )

    # --- one criterion ---------------------------------------------------------------------

    @staticmethod
    def _fires(signal: Signal, index: int, ctx: SignalContext) -> bool:
        sentences = ctx.draft.sentences
        sentence = sentences[index]
        if not all(matches(n, sentence, ctx) for n in signal.all):
            return False
        if signal.any and not any(matches(n, sentence, ctx) for n in signal.any):
            return False
        if any(matches(n, sentence, ctx) for n in signal.none):
            return False
        around = sentences[max(0, index - signal.window) : index + signal.window + 1]
        return all(any(matches(n, s, ctx) for s in around) for n in signal.near)

    def sentence_hits(self, criterion: Criterion, ctx: SignalContext) -> list[_SentenceHit]:
        hits = []
        for sentence in ctx.draft.sentences:
            fired = [s for s in criterion.signals if self._fires(s, sentence.index, ctx)]
            if fired:
                total = sum(s.weight for s in fired)
                hits.append(_SentenceHit(sentence.index, total, tuple(s.label for s in fired)))
        return hits

    def _score_signals(self, criterion: Criterion, ctx: SignalContext):
        """Each kind of evidence counts once (its weight), plus a bonus for more sentences.

        A criterion has parts (for hope: a picture of the future, a reason to believe it);
        the raw score is the sum of the parts found anywhere in the draft, so "2" needs
        the parts the rubric's thresholds ask for, not one lucky sentence.
        """
        hits = self.sentence_hits(criterion, ctx)
        found = {label for h in hits for label in h.labels}
        raw = sum(s.weight for s in criterion.signals if s.label in found)
        positive = [h for h in hits if h.score > 0]
        extra = max(len(positive) - 1, 0)
        raw += min(criterion.max_bonus, criterion.extra_evidence_bonus * extra) if positive else 0
        return raw, positive, hits

    @staticmethod
    def _metric(criterion: Criterion, ctx: SignalContext) -> tuple[float, str]:
        value, explanation = metrics.compute(criterion.metric.name, ctx)
        for low, high, score in criterion.metric.bands:
            if low <= value < high:
                return float(score), explanation
        return 0.0, explanation

    def score_criterion(
        self,
        criterion: Criterion,
        ctx: SignalContext,
        hits_out: dict[str, list[_SentenceHit]] | None = None,
    ) -> CriterionScore:
        draft = ctx.draft
        evidence_hits: list[_SentenceHit] = []
        if criterion.metric is not None:
            score_value, measured = self._metric(criterion, ctx)
            score, confidence = int(score_value), 0.9
            # The level says against what ("a two-to-three-minute slot"), the number what was
            # measured: "1/2, about 3 min 21 s" alone left a trainer-reviewer asking which slot.
            reason = f"{criterion.levels[score].rstrip('.')}: {measured}"
        else:
            raw, positive, hits = self._score_signals(criterion, ctx)
            if hits_out is not None:
                hits_out[criterion.id] = hits
            if criterion.inverted:
                score = 0 if raw >= criterion.strong_at else 1 if raw >= criterion.weak_at else 2
            else:
                score = 2 if raw >= criterion.strong_at else 1 if raw >= criterion.weak_at else 0
            distance = min(abs(raw - criterion.weak_at), abs(raw - criterion.strong_at))
            confidence = round(min(0.95, 0.55 + 0.3 * distance), 2)
            evidence_hits = sorted(positive, key=lambda h: (-h.score, h.index))[:MAX_EVIDENCE]
            reason = criterion.levels[score]
            if evidence_hits:
                labels = sorted({label for h in evidence_hits for label in h.labels})
                reason = f"{criterion.levels[score]} (found: {', '.join(labels)})"
        for cap in criterion.caps:
            if ctx.doc.get(cap.when.partition(":")[2]) and score > cap.max:
                score, reason = cap.max, f"{criterion.levels[cap.max]} ({cap.reason})"
        if draft.language not in ENGLISH_LEXICONS:
            confidence = round(confidence * 0.5, 2)
        evidence = tuple(
            Evidence(
                start=draft.sentences[h.index].start,
                end=draft.sentences[h.index].end,
                text=draft.sentences[h.index].text,
                signal=", ".join(h.labels),
            )
            for h in sorted(evidence_hits, key=lambda h: h.index)
        )
        return CriterionScore(
            id=criterion.id,
            name=criterion.name,
            score=score,
            max=2,
            confidence=confidence,
            reason=reason,
            evidence=evidence,
            weight=0.0,
        )

    # --- the whole report ------------------------------------------------------------------

    def context(self, draft: Draft) -> SignalContext:
        episode = episode_flags(draft.sentences)
        return SignalContext(
            draft=draft,
            lexicons=self.rubric.compiled_lexicons,
            patterns=self.rubric.compiled_patterns,
            action_verbs=self._action_verbs,
            episode=episode,
            doc=self.doc_features(draft, episode),
            value_signals=self.rubric.detection.opening_value,
        )

    def score(
        self,
        draft: Draft,
        story_type: str | None = None,
        *,
        context: SignalContext | None = None,
        hits_out: dict[str, list[_SentenceHit]] | None = None,
    ) -> Report:
        """``hits_out``, when given, receives each criterion's sentence hits (the learned
        scorer's features), so the signals run once per draft."""
        if draft.is_empty:
            return self._empty_report(draft, story_type)
        ctx = context if context is not None else self.context(draft)
        scored = [self.score_criterion(c, ctx, hits_out) for c in self.rubric.criteria]
        by_id = {c.id: c for c in scored}
        detection = self.rubric.detection
        components = detect_components(draft, ctx, by_id, detection)
        detected = detect_story_type(ctx, by_id, components, detection)
        chosen = story_type or DEFAULT_STORY_TYPE
        weighted = []
        for criterion, result in zip(self.rubric.criteria, scored, strict=True):
            weight = criterion.weights[chosen]
            weighted.append(_with_weight(result, weight))
        overall = overall_score(self.rubric, weighted)
        notes = []
        if draft.language not in ENGLISH_LEXICONS:
            notes.append(
                f"Language detected: '{draft.language}'. The signal lists are English, so scores "
                "for this draft are less reliable (confidence halved)."
            )
        if ctx.doc["non_narrative_genre"]:
            notes.append("This reads like reference or procedural text, not a public narrative.")
        return Report(
            story_type=chosen,
            detected_story_type=detected,
            language=draft.language,
            word_count=draft.word_count,
            speaking_time_s=draft.speaking_time_s,
            overall=overall,
            components=components,
            criteria=tuple(weighted),
            rubric_id=self.rubric.id,
            rubric_version=self.rubric.version,
            notes=tuple(notes),
        )

    def _empty_report(self, draft: Draft, story_type: str | None) -> Report:
        criteria = tuple(
            CriterionScore(
                c.id,
                c.name,
                0,
                2,
                1.0,
                "Nothing to score: the draft is empty.",
                (),
                c.weights[story_type or DEFAULT_STORY_TYPE],
            )
            for c in self.rubric.criteria
        )
        return Report(
            story_type=story_type or DEFAULT_STORY_TYPE,
            detected_story_type=EMPTY,
            language=draft.language,
            word_count=0,
            speaking_time_s=0,
            overall=0,
            components=dict.fromkeys(COMPONENTS, False),
            criteria=criteria,
            rubric_id=self.rubric.id,
            rubric_version=self.rubric.version,
            notes=("Nothing to score: the draft is empty. Write or paste a story to begin.",),
            nothing_to_score=True,
        )


def _weighted_share(pairs: list[tuple[float, CriterionScore]]) -> float:
    total = sum(weight for weight, _ in pairs)
    return sum(weight * c.score / c.max for weight, c in pairs) / total if total else 1.0


def overall_score(rubric: Rubric, scored: list[CriterionScore]) -> int:
    """0-100: the weighted share of core points, scaled down a little by failed checks."""
    roles = {c.id: c.role for c in rubric.criteria}
    core = [(c.weight, c) for c in scored if roles[c.id] == "core"]
    checks = [(c.weight, c) for c in scored if roles[c.id] == "check"]
    share = rubric.check_share
    return round(100 * _weighted_share(core) * ((1 - share) + share * _weighted_share(checks)))


def _with_weight(result: CriterionScore, weight: float) -> CriterionScore:
    from dataclasses import replace

    return replace(result, weight=weight)


def detect_components(
    draft: Draft, ctx: SignalContext, by_id: dict[str, CriterionScore], detection: Detection
) -> dict[str, bool]:
    """Which of the three stories are present (see the labelling guide's booleans)."""
    lived = [
        s
        for s in draft.sentences
        if matches("feat:first_person_singular", s, ctx) and is_past_tense(s.text)
    ]
    lived_concrete = [s for s in lived if concrete_details(s.text) > 0 or ctx.episode[s.index]]
    we_sentences = [s for s in draft.sentences if matches("feat:first_person_plural", s, ctx)]
    named_us = any(matches(name, s, ctx) for s in we_sentences for name in detection.collective)
    score = {k: v.score for k, v in by_id.items()}
    narrative_doc = not (ctx.doc["procedural"] or ctx.doc["statistical"])
    return {
        "self": len(lived) >= 2 and len(lived_concrete) >= 1 and narrative_doc,
        "us": named_us
        and len(we_sentences) >= 3
        and all(score.get(c, 0) >= 1 for c in detection.us_needs)
        and narrative_doc,
        "now": all(score.get(c, 0) >= 1 for c in detection.now_needs)
        and narrative_doc
        and not ctx.doc["template"]
        and _lived_situation(draft, ctx, score, detection),
    }


def _lived_situation(
    draft: Draft, ctx: SignalContext, score: dict[str, int], detection: Detection
) -> bool:
    """A told episode or a concretely located problem: what separates a story of now from
    a slogan with a deadline ("We need safe staffing NOW!!! Share this post")."""
    if score.get(detection.now_concrete, 0) >= 2:
        return True
    return any(matches(name, s, ctx) for s in draft.sentences for name in detection.now_lived)


def detect_story_type(
    ctx: SignalContext,
    by_id: dict[str, CriterionScore],
    components: dict[str, bool],
    detection: Detection,
) -> str:
    score = {k: v.score for k, v in by_id.items()}
    if ctx.doc["non_narrative_genre"] or ctx.doc["template"]:
        return NON_NARRATIVE
    substance = sum(score.get(c, 0) for c in detection.substance)
    if substance <= 1 and not ctx.doc["narrative"]:
        return NON_NARRATIVE  # a list or a note: no story, no ask, nothing at stake
    if all(components.values()):
        return "narrative"
    arc = sum(score.get(c, 0) for c in detection.arc)
    if score.get(detection.ask, 0) >= 1 and arc <= 2 and not components["self"]:
        return "message"
    if components["self"] and not components["us"]:
        return "self"
    if components["us"]:
        return "us"
    if components["now"]:
        return "now"
    return "self" if ctx.doc["narrative"] else "message"


# --- a rubric's own examples -------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleResult:
    """One of a criterion's examples, scored alone: what it should earn and what it did."""

    criterion: str
    number: int  # 1-based, in the order the rubric lists the criterion's examples
    text: str
    level: int
    scored: int
    reason: str

    @property
    def passed(self) -> bool:
        return self.scored == self.level

    def to_dict(self) -> dict:
        return {
            "criterion": self.criterion,
            "number": self.number,
            "level": self.level,
            "scored": self.scored,
            "passed": self.passed,
            "reason": self.reason,
            "text": self.text,
        }


def run_examples(scorer: Scorer) -> list[ExampleResult]:
    """Score every criterion's examples with this scorer's rubric, in rubric order.

    Each example is scored as a whole draft, the way a trainer would paste it in.
    """
    results = []
    for criterion in scorer.rubric.criteria:
        for number, example in enumerate(criterion.examples, 1):
            result = scorer.score(make_draft(example.text)).criterion(criterion.id)
            results.append(
                ExampleResult(
                    criterion.id, number, example.text, example.level, result.score, result.reason
                )
            )
    return results
