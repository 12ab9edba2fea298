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
    """Slogans of urgency and an ask are not a story of now without a lived situation."""
    report = score(SLOGAN)
    assert report.components["now"] is False


def test_now_is_never_present_without_a_challenge_urgency_an_ask_and_concrete_detail(
    score,
) -> None:
    """The guide's definition holds for every report, whatever the model's own estimate:
    challenge, urgency and an ask, told through a lived situation (some concrete detail)."""
    for text in (SLOGAN, TOLD, "We met on Tuesday. It was a good meeting. Thanks to all."):
        report = score(text)
        levels = {c.id: c.score for c in report.criteria}
        if report.components["now"]:
            needed = ("challenge", "urgency", "call_to_action", "specificity")
            assert min(levels[c] for c in needed) >= 1


def test_the_same_ask_after_a_told_moment_is_a_story_of_now(score) -> None:
    assert score(TOLD).components["now"] is True
