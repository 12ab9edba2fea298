"""Pace paragraph by paragraph from a run on the stage."""

from __future__ import annotations

import pytest

from coach.errors import InputError
from coach.rehearsal.pacing import implausible_run, stage_run

PARAGRAPHS = [
    " ".join(["word"] * 60),  # 60 words
    " ".join(["word"] * 40),  # 40 words
    " ".join(["word"] * 30),  # 30 words
]


def test_a_stepped_run_reports_the_pace_of_each_paragraph():
    run = stage_run(PARAGRAPHS, [24.0, 10.0, 20.0], target_s=60)
    assert run.duration_s == 54.0
    assert run.words == 130
    assert [p.wpm for p in run.paragraphs] == [150, 240, 90]
    assert [p.note for p in run.paragraphs] == ["comfortable", "rushing", "dragging"]
    assert "You were rushing in paragraph 2." in run.verdicts
    assert "You were dragging in paragraph 3." in run.verdicts
    assert run.verdicts[0] == "On time (54 s against a 60 s target)."
    assert run.not_saved_because == ""


def test_a_run_that_never_left_the_first_paragraph_gets_no_pace_per_paragraph():
    run = stage_run(PARAGRAPHS, [50.0, 0.0, 0.0], target_s=120)
    assert not run.stepped
    assert all(p.wpm is None for p in run.paragraphs)
    assert run.wpm == 156.0  # the whole run's pace is still honest
    assert any("Press →" in v for v in run.verdicts)
    assert run.verdicts[0].startswith("Under time by 70 s")


def test_a_run_too_short_or_too_fast_is_reported_but_not_saved():
    assert "under 20 seconds" in stage_run(PARAGRAPHS, [5.0, 3.0, 2.0], 60).not_saved_because
    assert "too fast" in implausible_run(25.0, 400)  # 960 words a minute
    assert implausible_run(60.0, 150) == ""


@pytest.mark.parametrize(
    "seconds", [[1.0, 2.0], [10.0, -1.0, 3.0], [float("nan"), 1.0, 1.0], [0.0, 0.0, 0.0]]
)
def test_times_that_cannot_be_a_run_get_a_clear_message(seconds):
    with pytest.raises(InputError):
        stage_run(PARAGRAPHS, seconds, 60)
