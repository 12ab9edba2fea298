"""The coaching plan: the one to three fixes that would raise this draft most, in its own words.

A trainer does not read out every criterion below full marks. They pick what matters for
this draft's story type and purpose (``coach/data/plan.yaml``: a story of self is never asked
for a deadline), say what is wrong with the sentence concerned — missing, generic, implied,
pending, vague, hedged, a slogan, a list — and how to change it, using the draft's own
details. A whole-draft problem (not a story, a self story in the third person, no "us", far
too long, a list of asks, a slogan close, hedging) comes before single criteria. A criterion
the scorer is unsure of becomes a question, never "not found". A draft with nothing left to
fix is told it is ready, with what to rehearse.

Deterministic, offline; citations come from the feedback items of the same criterion.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from coach.coaching.feedback import UNSURE_BELOW, Feedback, trainer_summary
from coach.coaching.illustrations import Illustration, choose_illustrations
from coach.coaching.planner import (
    SLOTS,
    DraftSignals,
    PlannerModel,
    choose,
    draft_signals,
    is_hedged,
    is_slogan,
    plan_data,
    planner_model,
)
from coach.report import Citation, CriterionScore, Evidence, Report
from coach.scoring.rubric import Rubric
from coach.scoring.signals import FIRST_SINGULAR
from coach.text.draft import Draft, make_draft, spoken, stopwords, word_tokens

#: Whole-draft problems and the criterion each one is really about (for comparing plans).
ISSUE_CRITERION = {
    "list_of_asks": "call_to_action",
    "slogan_close": "call_to_action",
    "hedging": None,
    "length": None,
    "not_a_narrative": None,
    "third_person": None,
    "no_us": None,
    "repetition": None,
}
TYPE_NAMES = {
    "self": "story of self",
    "us": "story of us",
    "now": "story of now",
    "narrative": "public narrative",
    "message": "campaign message",
}


@dataclass(frozen=True)
class PlanStep:
    """One fix: what it is about, the sentences it quotes, what is wrong and what to do."""

    id: str  # a criterion id, or a whole-draft problem (see ISSUE_CRITERION)
    kind: str  # "criterion" or "issue"
    problem: str  # missing / generic / implied / pending / vague / hedged / slogan / list / …
    evidence: tuple[Evidence, ...]
    diagnosis: str
    move: str
    question: str = ""  # set when the scorer is unsure: the writer is asked, not told
    citations: tuple[Citation, ...] = ()
    illustration: Illustration | None = None  # a pattern from a similar setting

    @property
    def criterion(self) -> str | None:
        return self.id if self.kind == "criterion" else ISSUE_CRITERION.get(self.id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "problem": self.problem,
            "evidence": [e.to_dict() for e in self.evidence],
            "diagnosis": self.diagnosis,
            "move": self.move,
            "question": self.question,
            "citations": [c.to_dict() for c in self.citations],
            "illustration": self.illustration.to_dict() if self.illustration else None,
        }


@dataclass(frozen=True)
class CoachingPlan:
    story_type: str
    steps: tuple[PlanStep, ...] = ()
    ready: bool = False
    rehearse: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The runner-up when the first fix is a close call (its id, and the line that says so).
    close_call: str = ""
    close_call_note: str = ""

    @property
    def first_fix(self) -> str:
        return self.steps[0].id if self.steps else "none"

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_type": self.story_type,
            "first_fix": self.first_fix,
            "ready": self.ready,
            "rehearse": self.rehearse,
            "steps": [s.to_dict() for s in self.steps],
            "close_call": (
                {"alternative": self.close_call, "note": self.close_call_note}
                if self.close_call
                else None
            ),
        }

    def sentences(self) -> list[str]:
        """The coaching sentences the writer reads, headings aside (the diagnosis is a
        heading: the criterion, the problem and the quote), for measuring repetition."""
        found = [self.rehearse] if self.rehearse else []
        for step in self.steps:
            found += [step.move, step.question]
            if step.illustration:
                found.append(step.illustration.pattern)
        return [s for s in found if s]


def build_plan(
    report: Report,
    rubric: Rubric,
    text: str,
    feedback: Feedback | None = None,
    model: PlannerModel | None = None,
    illustrations: Mapping[str, Illustration] | None = None,
) -> CoachingPlan:
    """The fixes the planner ranks first for this draft's story type, each in the draft's
    own words; or "ready", with what to rehearse."""
    data = plan_data()
    kind = _story_type(report)
    if not report.assessed:
        return CoachingPlan(kind)
    draft = make_draft(text)
    signals = draft_signals(report, rubric, draft, kind)
    choice = choose(model or planner_model(), signals)
    if choice.ready:
        return _ready_plan(kind, draft, report, data)
    citations = {item.criterion_id: item.guidance for item in (feedback.items if feedback else ())}
    steps = _steps(choice.fixes, report, rubric, signals, Anchors(draft), data, citations)
    about = [step.criterion for step in steps if step.criterion]
    shown = illustrations or choose_illustrations([x.text for x in draft.sentences], about, None)
    steps = [
        replace(step, illustration=shown.get(step.criterion)) if step.criterion else step
        for step in steps
    ]
    note = _close_call_note(choice.close_call, steps, rubric, data) if choice.close_call else ""
    runner_up = choice.close_call if note else ""
    return CoachingPlan(kind, tuple(steps), close_call=runner_up, close_call_note=note)


def _close_call_note(runner_up: str, steps: list[PlanStep], rubric: Rubric, data) -> str:
    """ "A close call: urgency (step 2) could come before call to action…"; "" when the
    runner-up did not survive as a step."""
    number = next((n for n, s in enumerate(steps, 1) if s.id == runner_up), None)
    if number is None:
        return ""
    names = [_fix_name(steps[0].id, rubric, data), _fix_name(runner_up, rubric, data)]
    return data["close_call_note"].format(first=names[0], name=names[1], step=number)


def _fix_name(fix: str, rubric: Rubric, data) -> str:
    if fix in data["issues"]:
        return data["issues"][fix]["name"]
    return rubric.criterion(fix).name.lower()


def _ready_plan(kind: str, draft: Draft, report: Report, data: dict[str, Any]) -> CoachingPlan:
    slot = round(SLOTS.get(kind, 120) / 60)
    # the last sentence a speaker says: not a sign-off mark ("###") or a bare name
    said = [x.text for x in draft.sentences if len(re.findall(r"[^\W\d_]+", x.text)) >= 3]
    last = said[-1] if said else ""
    now = spoken(report.speaking_time_s)
    rehearse = data["ready"].format(slot=slot, spoken=now, quote=_quote(last))
    return CoachingPlan(kind, (), True, rehearse)


def _steps(
    fixes: tuple[str, ...],
    report: Report,
    rubric: Rubric,
    signals: DraftSignals,
    anchors: Anchors,
    data: dict[str, Any],
    citations: dict[str, tuple[Citation, ...]],
) -> list[PlanStep]:
    """Each fix in the draft's words. A trainer names a sentence once: a later fix takes its
    next evidence sentence, or is folded into the earlier one (challenge and specificity often
    quote the same line)."""
    scores = {c.id: c for c in report.criteria}
    steps: list[PlanStep] = []
    quoted: set[str] = set()
    for fix in fixes:
        if fix not in scores:
            wants = "{detail}" in data["issues"][fix]["move"]
            steps.append(_issue_step(fix, signals, anchors.near(None) if wants else "", data))
            continue
        evidence = tuple(e for e in scores[fix].evidence if e.text not in quoted)
        if scores[fix].evidence and not evidence:
            continue
        result = replace(scores[fix], evidence=evidence)
        step = _criterion_step(result, rubric, anchors, data, citations)
        quoted.update(e.text for e in step.evidence[:1])
        steps.append(step)
    return steps


def follow_plan(feedback: Feedback, report: Report, plan: CoachingPlan, rubric: Rubric) -> Feedback:
    """The feedback's next steps and trainer summary, saying what the plan says: the app, the
    exports and the JSON never show two different orders of what to fix. (Without a plan —
    an empty or unassessed draft — the feedback keeps its own.)"""
    if not plan.ready and not plan.steps:
        return feedback
    names = [step_name(step, rubric) for step in plan.steps]
    steps = (
        (plan.rehearse,)
        if plan.ready
        else tuple(f"{name}: {step.move}" for name, step in zip(names, plan.steps, strict=True))
    )
    summary = trainer_summary(report, names, feedback.strengths, ready=plan.ready)
    return replace(feedback, next_steps=steps, trainer_summary=summary)


def step_name(step: PlanStep, rubric: Rubric) -> str:
    """What a step is about, in a word or two: the criterion's name, or the draft's problem."""
    if step.kind == "criterion":
        return rubric.criterion(step.id).name
    return step.problem.capitalize()


def _story_type(report: Report) -> str:
    requested = report.story_type
    if requested in TYPE_NAMES:
        return requested
    detected = report.detected_story_type
    return detected if detected in TYPE_NAMES else "narrative"


def _criterion_step(
    result: CriterionScore,
    rubric: Rubric,
    anchors: Anchors,
    data: dict[str, Any],
    citations: dict[str, tuple[Citation, ...]],
) -> PlanStep:
    criterion = rubric.criterion(result.id)
    evidence = result.evidence[:2]
    quoted = evidence[0].text if evidence else ""
    problem = _problem(result, quoted, rubric, data)
    moves = data["moves"].get(result.id, {})
    own = moves.get(f"{problem}_first_person") if quoted and FIRST_SINGULAR.search(quoted) else None
    move = own or moves.get(problem) or moves.get("missing") or criterion.coaching_question
    detail = anchors.near(evidence[0].start if evidence else None) if "{detail}" in move else ""
    move = fill(move, quote=_quote(quoted), detail=detail)
    level = _plain(criterion.levels.get(result.score, ""))
    if result.confidence < UNSURE_BELOW:
        # said, not asked: the question comes after, as the writer's own to answer
        where = _quote(quoted) if quoted else "the draft"
        reads = level.rstrip(".")
        reads = reads[:1].lower() + reads[1:]
        diagnosis = f"{criterion.name}, not sure: {where} reads as {reads}."
        question = criterion.coaching_question
    elif result.score == 0:
        diagnosis = f"{criterion.name}: {data.get('absent', {}).get(result.id, level)}"
        question = ""
    else:
        said = data["problem_words"].get(problem, problem)
        diagnosis = f"{criterion.name} is {said}: {_quote(quoted) if quoted else 'in the draft'}"
        question = ""
    gaps = (  # a first-person move ("own") already says what to add
        _gaps(result.id, quoted, [e.text for e in result.evidence[1:]])
        if quoted and not own
        else ""
    )
    if gaps:
        move = f"{move.rstrip('.')} — {gaps}"
    return PlanStep(
        result.id,
        "criterion",
        problem,
        evidence,
        diagnosis,
        move,
        question,
        citations.get(result.id, ()),
    )


def _plain(level: str) -> str:
    """A level's text without its asides ("(a jargon word like 'imperative' does not count)"),
    which guide labellers but read as a rule book in a question to the writer."""
    return re.sub(r"\s*\([^)]*\)", "", level).strip()


def _problem(result: CriterionScore, quoted: str, rubric: Rubric, data: dict[str, Any]) -> str:
    names = data["problems"].get(result.id, {})
    problem = names.get(result.score, "weak")
    lexicons = rubric.compiled_lexicons
    if quoted and result.score == 1:
        if is_hedged(quoted, lexicons):
            return "hedged" if result.id in ("challenge", "call_to_action") else problem
        if result.id in ("hope", "call_to_action") and is_slogan(quoted, lexicons):
            return "slogan"
        if result.id == "outcome" and re.search(r"\b(will|going to|hope to|soon)\b", quoted, re.I):
            return "pending"
    return problem


_ISSUE_QUOTES = {
    "repetition": lambda s: s.repeated[0] if s.repeated else "",
    "list_of_asks": lambda s: s.asks[0] if s.asks else "",
    "hedging": lambda s: s.hedged[0] if s.hedged else "",
    "slogan_close": lambda s: s.close,
}


def _issue_step(name: str, s: DraftSignals, detail: str, data: dict[str, Any]) -> PlanStep:
    slot = SLOTS.get(s.story_type, 120)
    values = {
        "genre": "reference or instructions",
        "subject": s.third_subject or "they",
        "minutes": max(1, round(s.slot_ratio * slot / 60)),
        "slot": round(slot / 60),
        "detail": detail,
        "count": {
            "list_of_asks": len(s.asks),
            "hedging": len(s.hedged),
            "repetition": len(s.repeated),
        }.get(name, 0),
        "quote": _quote(_ISSUE_QUOTES.get(name, lambda _: "")(s)),
    }
    template = data["issues"][name]
    diagnosis, move = fill(template["problem"], **values), fill(template["move"], **values)
    return PlanStep(name, "issue", name.replace("_", " "), (), diagnosis, move)


#: What a concrete ask, why-now or scene has, by name and pattern (for telling a writer
#: what their sentence already has and what it still lacks).
_PARTS = {
    "a day or time": re.compile(
        r"\b(\d{1,2}(:\d\d)?\s*(am|pm)|(mon|tues|wednes|thurs|fri|satur|sun)day|tonight|"
        r"tomorrow|(jan|feb|march|april|may|june|july|aug|sept|oct|nov|dec)\w*\s+\d|\d+(st|nd|rd|th))\b",
        re.I,
    ),
    "a place": re.compile(
        r"\b(at|in|outside|on)\s+(the\s+)?[A-Z][\w']+|\b(hall|room|centre|center|office|ward|"
        r"library|church|school|street|square|depot)\b",
    ),
    "a name": re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+\b"),
    "a number": re.compile(
        r"\b(\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(thir|four|fif|six|"
        r"seven|eigh|nine)teen|twenty|"
        r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|dozens?)\b",
        re.I,
    ),
    "a way to act (a link, a number, a form)": re.compile(
        r"https?://|www\.|\b\d{3}[\s-]?\d{3,4}|\b(sign|form|petition|register|link|email|"
        r"e-mail|call)\b",
        re.I,
    ),
    "a reason": re.compile(r"\b(because|before|or else|otherwise|unless|so that|since)\b", re.I),
}
_WANTED = {
    "call_to_action": ("a day or time", "a place", "a way to act (a link, a number, a form)"),
    "urgency": ("a day or time", "a reason"),
    "challenge": ("a name", "a place", "a number"),
    "specificity": ("a name", "a place", "a number"),
    "hope": ("a place", "a name"),
}


#: An ask or a why-now is often told over two sentences; a scene or a challenge is made
#: concrete in the sentence the step quotes.
_SPANS_SENTENCES = ("call_to_action", "urgency")


def _gaps(criterion: str, sentence: str, others: Sequence[str] = ()) -> str:
    """What the quoted sentence already has and lacks, for the criteria where it is clear.
    For an ask or a why-now the criterion's other evidence counts too: the day and place are
    often in the sentence before, and "add a day" would send the writer to fix what is there."""
    wanted = _WANTED.get(criterion)
    if not wanted:
        return ""
    has = [part for part in wanted if _PARTS[part].search(sentence)]
    others = others if criterion in _SPANS_SENTENCES else ()
    near = [p for p in wanted if p not in has and any(_PARTS[p].search(o) for o in others)]
    lacks = [part for part in wanted if part not in has and part not in near]
    if not lacks:
        return ""
    if near:
        return f"your draft already gives {_and(has + near)}; add {_and(lacks)}."
    return f"it has {_and(has)}; add {_and(lacks)}." if has else f"add {_and(lacks)}."


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _quote(sentence: str, limit: int = 90) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return f"“{sentence}”" if sentence else "your close"


class Anchors:
    """The draft's own concrete lines, to anchor a move ("as concretely as your “Mr Aldous
    came round on Tuesday”"): a short stretch around a time, a day, a counted group or a name
    the draft repeats. Each step takes the one nearest the sentence it quotes, never that
    sentence itself and not one an earlier step took, so three steps do not lean on the
    same word. With none left, what the draft talks about most (once); after that the move
    drops its anchoring clause rather than point at "the rest of the draft"."""

    def __init__(self, draft: Draft) -> None:
        text = draft.text
        names = Counter(m.group(1) for m in _NAME.finditer(text) if m.group(1) not in _NOT_NAMES)
        repeated = {name for name, count in names.items() if count >= 2}
        self._spots: list[tuple[int, int, str]] = []  # (sentence start, end, fragment)
        for sentence in draft.sentences:
            found = _TIMED.search(sentence.text) or next(
                (m for m in _NAME_IN.finditer(sentence.text) if m.group(0) in repeated), None
            )
            if found:
                fragment = _window(sentence.text, found.start(), found.end())
                self._spots.append((sentence.start, sentence.end, fragment))
        self._used: set[str] = set()
        subject = _subject(text, draft.language)
        self._fallback = f"what you say about {subject}" if subject else ""

    def near(self, position: int | None) -> str:
        free = [spot for spot in self._spots if spot[2] not in self._used]
        if position is not None:
            free = [spot for spot in free if not spot[0] <= position < spot[1]]
            free.sort(key=lambda spot: abs(spot[0] - position))
        if not free:  # the draft's subject, once
            fallback, self._fallback = self._fallback, ""
            return fallback
        self._used.add(free[0][2])
        return f"your “{free[0][2]}”"


def _window(sentence: str, start: int, end: int, words: int = 7) -> str:
    """About ``words`` words of ``sentence`` around [start, end), with … where it was cut."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
    inside = [i for i, (a, b) in enumerate(spans) if a < end and b > start]
    first, last = inside[0], inside[-1]
    while last - first + 1 < words and (first > 0 or last < len(spans) - 1):
        if last < len(spans) - 1:
            last += 1
        if first > 0 and last - first + 1 < words:
            first -= 1
    # Not ending on a little word ("…the club was the…"): the fragment reads as a phrase.
    words_at = [sentence[a:b].lower().strip(",;:.!?\"“”'") for a, b in spans]
    while last < len(spans) - 1 and words_at[last] in _LITTLE_WORDS:
        last += 1
    fragment = sentence[spans[first][0] : spans[last][1]].strip(" ,;:.!?\"“”'")
    return ("…" if first > 0 else "") + fragment + ("…" if last < len(spans) - 1 else "")


_LITTLE_WORDS = frozenset(
    "a an the to of for with and or but her his my our their your its in at on by from as is "
    "was were are be that this these those who which when".split()
)


def fill(template: str, **values: Any) -> str:
    """A move from its template; a [bracketed clause] holding {detail} goes when there is no
    detail, the brackets otherwise."""
    if not values.get("detail"):
        template = re.sub(r"\s*\[[^\]]*\]", "", template)
    template = template.replace("[", "").replace("]", "")
    return template.format(**values)


def _subject(text: str, language: str) -> str:
    """The thing the draft talks about most: its most repeated word (five letters or more,
    not a stopword) that somewhere ends a noun phrase ("the depot.", "our parish is")."""
    stop = stopwords(language)
    words = [w for w in word_tokens(text) if w.isalpha()]
    counts = Counter(w for w in words if len(w) >= 5 and w.islower() and w not in stop)
    nouns = {  # a determiner before, no content word after: the head of a noun phrase
        b
        for a, b, c in zip(words, words[1:], [*words[2:], ""], strict=False)
        if a.lower() in _DETERMINERS and (not c or c.lower() in stop)
    }
    generic = set(plan_data().get("generic_nouns", ()))
    common = [w for w, n in counts.most_common() if n >= 2 and w in nouns and w not in generic]
    return f"the {common[0]}" if common and language == "en" else (common or [""])[0]


_DETERMINERS = frozenset(
    "the our my your their this these a an his her "  # English
    "el la los las nuestro nuestra nuestros nuestras mi mis su sus este esta "  # Spanish
    "le les notre nos mon ma mes son sa ses ce cette ces".split()  # French
)


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_TIMED = re.compile(
    r"\b(\d{1,2}(:\d\d)?\s*(am|pm)|(mon|tues|wednes|thurs|fri|satur|sun)day( \d{1,2}\w*)?|"
    rf"\d{{1,2}}(st|nd|rd|th)? ({_MONTHS})|({_MONTHS}) \d{{1,2}}(st|nd|rd|th)?|"
    r"\d+ (patients|families|people|residents|members|nurses|children))\b",
    re.I,
)
_NAME = re.compile(r"[a-z,;:]\s+([A-Z][a-z]{2,}(?:\s[A-Z][a-z]+)?)")
_NAME_IN = re.compile(r"(?<=[a-z,;:]\s)[A-Z][a-z]{2,}(?:\s[A-Z][a-z]+)?")
_NOT_NAMES = {"Editor", "Dear", "Sir", "Madam", "Friends", "God", "English"}
