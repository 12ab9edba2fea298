"""The offline analysis of a recording: length, speaking time, pace and long pauses."""

from __future__ import annotations

import numpy as np
import pytest

from coach.errors import InputError
from coach.rehearsal.analysis import analyse


def _recording(parts: list[tuple[float, bool]], rate: int) -> np.ndarray:
    """(seconds, sounding?) pieces: a 220 Hz tone or silence."""
    pieces = []
    for seconds, sounding in parts:
        t = np.arange(int(rate * seconds)) / rate
        pieces.append(0.3 * np.sin(2 * np.pi * 220 * t) if sounding else np.zeros_like(t))
    return np.concatenate(pieces)


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100, 48000])
def test_speaking_time_never_exceeds_the_recording(rate: int) -> None:
    """At 22.05 kHz a 50 ms frame is 1102.5 samples; counting frames as 50 ms overshot."""
    result = analyse(_recording([(120, True)], rate), rate, draft_words=270)
    assert 119.0 <= result.speaking_s <= result.duration_s == 120.0
    assert result.wpm == pytest.approx(270 / (result.speaking_s / 60), abs=0.1)


def test_a_long_pause_is_found_where_it_happened() -> None:
    rate = 22050
    result = analyse(_recording([(3, True), (2, False), (3, True)], rate), rate, draft_words=20)
    (pause,) = result.pauses
    assert pause.start_s == pytest.approx(3.0, abs=0.06)
    assert pause.duration_s == pytest.approx(2.0, abs=0.11)
    assert result.speaking_s == pytest.approx(6.0, abs=0.11)


def test_a_recording_under_a_second_is_refused_with_a_reason() -> None:
    with pytest.raises(InputError, match="shorter than a second"):
        analyse(_recording([(0.5, True)], 16000), 16000, draft_words=10)
