"""Whole-draft numbers some criteria are scored from (bands live in the rubric)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from coach.scoring.signals import matches
from coach.text.draft import Draft, spoken, word_tokens

if TYPE_CHECKING:
    from coach.scoring.signals import SignalContext


def speaking_time_fit(draft: Draft, ctx: SignalContext) -> tuple[float, str]:
    seconds = draft.speaking_time_s
    return float(seconds), (
        f"about {spoken(seconds)} at {draft.speaking_rate_wpm} words per minute"
    )


@lru_cache(maxsize=8)
def _hyphenator(language: str):
    import pyphen

    return pyphen.Pyphen(lang=language if language in pyphen.LANGUAGES else "en_US")


def syllables(word: str, language: str = "en") -> int:
    """Syllables by hyphenation points (pyphen ships its dictionaries; nothing is downloaded)."""
    return max(1, len(_hyphenator(language).positions(word.lower())) + 1)


def readability_grade(draft: Draft, ctx: SignalContext) -> tuple[float, str]:
    """Flesch-Kincaid grade level; reading age is roughly grade + 5."""
    tokens = word_tokens(draft.text)
    sentences = max(len(draft.sentences), 1)
    if not tokens:
        return 0.0, "nothing to read"
    total = sum(syllables(w, draft.language) for w in tokens)
    grade = 0.39 * len(tokens) / sentences + 11.8 * total / len(tokens) - 15.59
    return round(grade, 1), f"reading grade about {grade:.1f} (reading age about {grade + 5:.0f})"


def opening_values_first(draft: Draft, ctx: SignalContext) -> tuple[float, str]:
    """2 if the opening sentences carry a value or a story, 0 if they lead with statistics."""
    opening = [s for s in draft.sentences if not matches("feat:heading", s, ctx)][:2]
    story = any(
        any(matches(name, s, ctx) for name in ctx.value_signals)
        or matches("feat:in_episode", s, ctx)
        or (matches("feat:first_person", s, ctx) and matches("feat:concrete", s, ctx))
        for s in opening
    )
    statistic = any(matches("feat:statistic", s, ctx) for s in opening)
    if story and not statistic:
        return 2.0, "opens with a value or a story"
    if story or not statistic:
        return 1.0, "the opening carries neither a clear value nor a story"
    return 0.0, "opens with statistics"


METRICS = {
    "speaking_time_fit": speaking_time_fit,
    "readability_grade": readability_grade,
    "opening_values_first": opening_values_first,
}


def compute(name: str, ctx: SignalContext) -> tuple[float, str]:
    return METRICS[name](ctx.draft, ctx)
