"""The self/us/now booleans follow the labelling guide (../shared/eval/README.md)."""

from __future__ import annotations

SLOGAN = (
    "Nurses are exhausted and patients pay the price. We need safe staffing now! "
    "Please support our campaign today and share this post with your friends."
)
TOLD = (
    "Last March I worked a night on Ward 7 with two nurses for thirty patients, and Mr Okafor "
    "waited forty minutes for his pain relief. " + SLOGAN
)


def test_a_slogan_with_a_deadline_and_an_ask_is_not_a_story_of_now(score) -> None:
    """Challenge, urgency and an ask at level 1 are not enough without a lived situation."""
    report = score(SLOGAN)
    levels = {c.id: c.score for c in report.criteria}
    assert min(levels["challenge"], levels["urgency"], levels["call_to_action"]) >= 1
    assert report.components["now"] is False


def test_the_same_ask_after_a_told_moment_is_a_story_of_now(score) -> None:
    assert score(TOLD).components["now"] is True
