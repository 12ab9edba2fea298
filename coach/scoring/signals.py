"""Signals: what the scorer can observe in a sentence or a whole draft.

Four generic kinds, named in rubric files as ``kind:name``:

- ``lex:NAME``   a phrase list from the rubric (``*`` at a word's end matches any ending);
- ``re:NAME``    a named regular expression from the rubric;
- ``feat:NAME``  a structural feature computed here (tense, person, imperative, numbers…);
- ``doc:NAME``   a property of the whole draft (procedural text, genre by embedding…).

The ``feat:`` and ``doc:`` names are declared in ``coach.scoring.vocabulary``; this module
implements each declared name and refuses one that is not declared. The counts that decide
a ``doc:`` flag come from the rubric (its ``doc_flags`` section), not from code.
The rubric combines them; this module only observes. Every function is pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from coach.scoring.vocabulary import DOC_FLAGS, FEATURES
from coach.text.draft import Draft, Sentence

if TYPE_CHECKING:
    from coach.scoring.rubric import DocFlagLimits

# --- lexicons and patterns -----------------------------------------------------------


def _phrase_to_regex(phrase: str) -> str:
    parts = []
    for word in phrase.strip().lower().split():
        if word.endswith("*"):
            parts.append(re.escape(word[:-1]) + r"[\w'’-]*")
        else:
            parts.append(re.escape(word))
    return r"\s+".join(parts)


@lru_cache(maxsize=512)
def compile_lexicon(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a phrase list, matching whole words, case-insensitively."""
    if not phrases:
        return re.compile(r"(?!x)x")
    alternatives = sorted((_phrase_to_regex(p) for p in phrases), key=len, reverse=True)
    # a trailing possessive apostrophe ("the tenants' committee") still ends the word
    return re.compile(
        r"(?<![\w'’])(?:" + "|".join(alternatives) + r")(?!\w)(?!['’]\w)", re.IGNORECASE
    )


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


# --- sentence features -------------------------------------------------------------------

# Simple-past forms; forms identical to the present (let, set, put, cut, read…) are left out.
_IRREGULAR_PAST = frozenset(
    """was were had did said made went came took gave got found told thought knew felt saw
    left kept began became brought bought ran sat stood heard held met lost paid taught
    understood won wrote fell fought caught chose drove grew hung hurt led meant rode rose
    sent shook slept spoke stole struck swore threw woke wore broke forgot froze hid quit
    sang sank sold stuck stung swept swung tore built burnt dealt dug fed fled flung
    forgave lay lent lit overcame shot slid withdrew""".split()
)
_NOT_PAST_ED = frozenset("need seed feed bed red shed speed bleed breed greed weed indeed".split())
FIRST_SINGULAR = re.compile(
    r"\b(?:i|me|my|mine|myself|i'm|i’m|i've|i’ve|i'd|i’d|i'll|i’ll)\b", re.I
)
FIRST_PLURAL = re.compile(
    r"\b(?:we|us|our|ours|ourselves|we're|we’re|we've|we’ve|we'll|we’ll|let's|let’s)\b", re.I
)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|you're|you’re|you'll|you’ll)\b", re.I)
_NUMBER = re.compile(r"(?<![\w])(?:\d[\d,.:/]*\d|\d)(?:\s?(?:%|a\.m\.|p\.m\.|am|pm))?", re.I)
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|hundred|thousand|dozen|first|second|third|half)\b",
    re.I,
)
_STAT = re.compile(r"\d\s?%|\$\s?\d|\d+(?:\.\d+)?\s?(?:percent|per cent)|\bratio\b|\brate\b", re.I)
_QUOTE = re.compile(r"[\"“”«»]([^\"“”«»]{3,})[\"“”«»]")
_URL_OR_CONTACT = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:org|com|net|fr|ca|uk|edu|gov)(?:/\S*)?\b|"
    r"\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[-.\s]\d{3}[-.\s]\d{4}\b|\b\d{3}-\d{4}\b|"
    r"\b[\w.+-]+@[\w-]+\.[\w.]+\b|\btext\s+[A-Z]{3,}\s+to\s+\d+|\bext\.?\s*\d+",
    re.I,
)
_WEEKDAY_MONTH = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
    r"may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|"
    r"sept|oct|nov|dec)\b\.?",
)
_CLOCK = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.|am|pm|h\d{0,2})\b|\b\d{4}h\b|\b[01]\d[0-5]\d\b", re.I
)
_CAPITALISED = re.compile(r"(?<![.!?:;]\s)(?<!^)\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:['’][A-Za-z]+)?")
_IMPERATIVE_BLOCKERS = frozenset(
    """i we you he she it they this that these those there here the a an our my your their
    his her its so and but or if when while because as what who how why every each all some
    no not yes thank thanks hi hello dear sincerely best with to in on at for from of by
    together today tomorrow now then just please""".split()
)


_LIST_MARKER = re.compile(r"^[\s•*\-–—👉#>\"“']*(?:\d{1,3}[.)]\s+)?")


def strip_list_marker(text: str) -> str:
    """The sentence without a leading bullet, numbering, heading mark or opening quote."""
    return text[_LIST_MARKER.match(text).end() :]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


_PRESENT_AUXILIARY = frozenset("has have is are am be been being will shall can".split())
_SUBJECT_PAST = re.compile(
    r"\b(?:i|we|he|she|they)\s+(?:(?:just|never|all|then|finally|also|even|only|still|"
    r"almost|actually|really|quickly|quietly|\w+ly)\s+)?([a-z]+)\b",
    re.I,
)


def _past_form(word: str) -> bool:
    return word in _IRREGULAR_PAST or (
        len(word) > 4 and word.endswith("ed") and word not in _NOT_PAST_ED
    )


def is_past_tense(text: str) -> bool:
    """A simple-past verb: irregular or '-ed' forms not after has/is/will (perfect, passive)."""
    tokens = re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower())
    for i, word in enumerate(tokens):
        if "-" in word:
            continue
        if _past_form(word) and (i == 0 or tokens[i - 1] not in _PRESENT_AUXILIARY):
            return True
    return False


def narrated_past(text: str, subjects: frozenset[str] = frozenset({"i", "we"})) -> bool:
    """A subject followed by a past verb ('I filed', 'we decided'): someone told what happened."""
    for match in _SUBJECT_PAST.finditer(text):
        subject = match.group(0).split()[0].lower()
        if subject in subjects and _past_form(match.group(1).lower()):
            return True
    return False


def starts_imperative(text: str, verbs: frozenset[str]) -> bool:
    """Starts with a base-form verb from the rubric's action-verb list (after a bullet/please)."""
    tokens = words(text.lower())
    if tokens and tokens[0] == "please":
        tokens = tokens[1:]
    return bool(tokens) and tokens[0] in verbs and tokens[0] not in _IMPERATIVE_BLOCKERS


def has_proper_name(text: str) -> bool:
    """A capitalised word that is not the first word of the sentence and not 'I'."""
    stripped = strip_list_marker(text)
    return bool(_CAPITALISED.search(stripped[1:]))


_NAME_RUN = re.compile(r"[A-Z][a-z]+(?:[-'’][A-Za-z]+)?(?:\s+(?:[A-Z][a-z]+|[A-Z]\.|\d+))*")


def concrete_details(text: str) -> int:
    """How many concrete anchors a sentence carries: numbers, dates, times, names, quotes.

    A run of capitalised words ("Safe Hands Pledge") counts as one name.
    """
    count = len(_NUMBER.findall(text)) + len(_NUMBER_WORD.findall(text))
    count += len(_WEEKDAY_MONTH.findall(text.lower())) + len(_QUOTE.findall(text))
    body = strip_list_marker(text)
    first = re.match(r"\S+\s*", body)
    body = body[first.end() :] if first else body
    count += sum(
        1 for m in _NAME_RUN.finditer(body) if not _WEEKDAY_MONTH.fullmatch(m.group(0).lower())
    )
    return count


SentenceFeature = Callable[[Sentence, "SignalContext"], bool]


def _feat(name: str) -> Callable[[SentenceFeature], SentenceFeature]:
    """Implement a declared ``feat:`` name; an undeclared one fails at import, not in a rubric."""
    if name not in FEATURES:
        raise KeyError(f"feat:{name} is not declared in coach.scoring.vocabulary.FEATURES")

    def register(fn: SentenceFeature) -> SentenceFeature:
        SENTENCE_FEATURES[name] = fn
        return fn

    return register


SENTENCE_FEATURES: dict[str, SentenceFeature] = {}


@_feat("first_person_singular")
def _fps(s: Sentence, ctx: SignalContext) -> bool:
    return bool(FIRST_SINGULAR.search(s.text))


@_feat("first_person_plural")
def _fpp(s: Sentence, ctx: SignalContext) -> bool:
    return bool(FIRST_PLURAL.search(s.text))


@_feat("first_person")
def _fp(s: Sentence, ctx: SignalContext) -> bool:
    return _fps(s, ctx) or _fpp(s, ctx)


@_feat("second_person")
def _sp(s: Sentence, ctx: SignalContext) -> bool:
    return bool(_SECOND_PERSON.search(s.text))


_THIRD_PERSON = re.compile(
    r"\b(?:he|she|they|him|her|them|his|their|people|patients|children|kids)\b", re.I
)


@_feat("person_reference")
def _person(s: Sentence, ctx: SignalContext) -> bool:
    """The sentence is about people: a pronoun, a name, or people words."""
    return bool(
        FIRST_SINGULAR.search(s.text)
        or FIRST_PLURAL.search(s.text)
        or _THIRD_PERSON.search(s.text)
        or has_proper_name(s.text)
    )


@_feat("past_tense")
def _past(s: Sentence, ctx: SignalContext) -> bool:
    return is_past_tense(s.text)


@_feat("imperative")
def _imp(s: Sentence, ctx: SignalContext) -> bool:
    return starts_imperative(strip_list_marker(s.text), ctx.action_verbs)


@_feat("number")
def _num(s: Sentence, ctx: SignalContext) -> bool:
    return bool(_NUMBER.search(s.text) or _NUMBER_WORD.search(s.text))


def is_statistic(text: str) -> bool:
    """A sentence that reports figures: a percentage, money, a rate, or three or more numbers."""
    return bool(_STAT.search(text)) or len(_NUMBER.findall(text)) >= 3


@_feat("statistic")
def _stat(s: Sentence, ctx: SignalContext) -> bool:
    return bool(_STAT.search(s.text))


@_feat("date_or_time")
def _when(s: Sentence, ctx: SignalContext) -> bool:
    return bool(_WEEKDAY_MONTH.search(s.text.lower()) or _CLOCK.search(s.text))


@_feat("proper_name")
def _name(s: Sentence, ctx: SignalContext) -> bool:
    return has_proper_name(s.text)


@_feat("quote")
def _quote(s: Sentence, ctx: SignalContext) -> bool:
    return bool(_QUOTE.search(s.text))


@_feat("link_or_contact")
def _link(s: Sentence, ctx: SignalContext) -> bool:
    return bool(_URL_OR_CONTACT.search(s.text))


@_feat("concrete")
def _concrete(s: Sentence, ctx: SignalContext) -> bool:
    return concrete_details(s.text) > 0


@_feat("very_concrete")
def _very_concrete(s: Sentence, ctx: SignalContext) -> bool:
    return concrete_details(s.text) >= 2


@_feat("question")
def _question(s: Sentence, ctx: SignalContext) -> bool:
    return s.text.rstrip().endswith("?")


@_feat("heading")
def _heading(s: Sentence, ctx: SignalContext) -> bool:
    text = s.text.strip()
    return text.endswith(":") or (text.isupper() and len(words(text)) <= 8) or text.startswith("#")


@_feat("in_episode")
def _episode(s: Sentence, ctx: SignalContext) -> bool:
    """Inside a narrated episode: this sentence or a neighbour is past tense and concrete."""
    return ctx.episode[s.index]


# --- context ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalContext:
    """Everything a signal may look at, computed once per draft."""

    draft: Draft
    lexicons: dict[str, re.Pattern[str]]
    patterns: dict[str, re.Pattern[str]]
    action_verbs: frozenset[str]
    episode: tuple[bool, ...]
    doc: dict[str, bool]
    value_signals: tuple[str, ...] = ()  # what counts as a value in the opening sentences


def episode_flags(sentences: Iterable[Sentence]) -> tuple[bool, ...]:
    """Mark sentences that sit in a told episode: past tense plus concrete detail nearby."""
    items = list(sentences)
    core = [is_past_tense(s.text) and concrete_details(s.text) > 0 for s in items]
    return tuple(
        any(core[j] for j in range(max(0, i - 1), min(len(items), i + 2))) and is_past_tense(s.text)
        for i, s in enumerate(items)
    )


@lru_cache(maxsize=65536)
def _spans(pattern: re.Pattern, text: str) -> tuple[tuple[int, int], ...]:
    """Where a compiled pattern matches a sentence, remembered by sentence: rescoring after an
    edit matches only the sentences that changed."""
    return tuple(m.span() for m in pattern.finditer(text))


def matches(name: str, sentence: Sentence, ctx: SignalContext) -> list[tuple[int, int]] | bool:
    """Whether a ``kind:name`` signal fires on a sentence; lexicons/patterns return their spans."""
    kind, _, key = name.partition(":")
    # Rubric references are validated on load; a lexicon the *code* asks for (story-type
    # detection) may be absent from a custom rubric, and then simply does not fire.
    if kind == "lex":
        pattern = ctx.lexicons.get(key)
        return list(_spans(pattern, sentence.text)) if pattern else []
    if kind == "re":
        pattern = ctx.patterns.get(key)
        return list(_spans(pattern, sentence.text)) if pattern else []
    if kind == "feat":
        return SENTENCE_FEATURES[key](sentence, ctx)
    if kind == "doc":
        return ctx.doc.get(key, False)
    raise KeyError(name)


# --- whole-draft flags -----------------------------------------------------------------------


@dataclass(frozen=True)
class DraftCounts:
    """What the ``doc:`` flags are decided from, counted once per draft by the engine."""

    sentences: int
    words: int
    instructions: int  # sentences that open with one of the rubric's procedural verbs
    narrated: int  # sentences where I or we did something in the past ("I filed")
    statistics: int  # sentences that report figures
    hedges: int  # occurrences of the rubric's hedges, blocking emotions, solutions…
    blocking: int
    solutions: int
    template_markers: int
    episodes: int  # sentences inside a told episode
    genre_margin: float | None  # > 0 nearer narrative prototypes; None when not compared


DocFlag = Callable[[DraftCounts, "DocFlagLimits"], bool]
_DOC_RULES: dict[str, DocFlag] = {}


def _doc(name: str) -> Callable[[DocFlag], DocFlag]:
    """Implement a declared ``doc:`` name, as ``_feat`` does for sentence features."""
    if name not in DOC_FLAGS:
        raise KeyError(f"doc:{name} is not declared in coach.scoring.vocabulary.DOC_FLAGS")

    def register(fn: DocFlag) -> DocFlag:
        _DOC_RULES[name] = fn
        return fn

    return register


@_doc("procedural")
def _procedural(c: DraftCounts, limits: DocFlagLimits) -> bool:
    """Recipes, manuals and READMEs: a run of instructions and almost nothing narrated."""
    rule = limits.procedural
    return (
        c.instructions >= rule.min_instructions
        and c.instructions / max(c.sentences, 1) >= rule.min_share
        and c.narrated <= rule.max_narrated
    )


@_doc("narrative")
def _narrative(c: DraftCounts, limits: DocFlagLimits) -> bool:
    return c.narrated >= limits.narrative.min_narrated


@_doc("non_narrative_genre")
def _non_narrative_genre(c: DraftCounts, limits: DocFlagLimits) -> bool:
    """Procedural, or nearer the rubric's reference-text prototypes unless it narrates."""
    nearer_reference = c.genre_margin is not None and c.genre_margin < 0
    return _procedural(c, limits) or (nearer_reference and not _narrative(c, limits))


@_doc("statistical")
def _statistical(c: DraftCounts, limits: DocFlagLimits) -> bool:
    """A data report: figures in many sentences and almost nothing narrated."""
    rule = limits.statistical
    return (
        c.statistics >= rule.min_statistics
        and c.statistics / max(c.sentences, 1) >= rule.min_share
        and c.narrated <= rule.max_narrated
    )


@_doc("template")
def _template(c: DraftCounts, limits: DocFlagLimits) -> bool:
    """Several placeholders, or one in a short text (a long draft may quote one)."""
    rule = limits.template
    return c.template_markers >= rule.min_markers or (
        c.template_markers == 1 and c.words < rule.one_marker_under_words
    )


@_doc("short")
def _short(c: DraftCounts, limits: DocFlagLimits) -> bool:
    return c.words < limits.short.under_words


@_doc("hedged")
def _hedged(c: DraftCounts, limits: DocFlagLimits) -> bool:
    """Hedges often enough, and densely enough that a long draft is not flagged for a few."""
    rule = limits.hedged
    return (
        c.hedges >= rule.min_hedges and c.hedges * 100 / max(c.words, 1) >= rule.min_per_100_words
    )


@_doc("fatalistic")
def _fatalistic(c: DraftCounts, limits: DocFlagLimits) -> bool:
    """Blocking emotion that dominates, or any at all with no solution named."""
    rule = limits.fatalistic
    return c.blocking >= rule.min_blocking or (
        c.blocking >= rule.min_blocking_without_solution and c.solutions == 0
    )


@_doc("no_story")
def _no_story(c: DraftCounts, limits: DocFlagLimits) -> bool:
    return c.episodes == 0


def doc_flags(counts: DraftCounts, limits: DocFlagLimits) -> dict[str, bool]:
    """Every declared ``doc:`` flag, in the vocabulary's order."""
    return {name: _DOC_RULES[name](counts, limits) for name in DOC_FLAGS}


#: The ``doc:`` names (the learned scorer's features read them in sorted order).
DOC_FEATURE_NAMES = frozenset(DOC_FLAGS)
