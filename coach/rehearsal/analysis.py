"""Offline rehearsal feedback from a recording: length, pace against the draft, long pauses.

Works on the WAV that the browser's recorder produces (``st.audio_input``), with the
standard library and numpy only — no transcription, no download. Pace is the draft's
word count over the time spent speaking, which is honest only if the speaker read the
draft; transcription (optional, via an OpenAI-compatible endpoint) can check coverage.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import numpy as np

from coach.errors import InputError
from coach.rehearsal.pacing import length_verdict, pace_verdict

FRAME_S = 0.05
LONG_PAUSE_S = 1.5
SILENCE_RATIO = 0.1  # a frame is silent below this share of the recording's loud level


@dataclass(frozen=True)
class Pause:
    start_s: float
    duration_s: float


@dataclass(frozen=True)
class RehearsalResult:
    duration_s: float
    speaking_s: float
    words: int
    wpm: float | None
    pauses: tuple[Pause, ...]
    target_s: float
    verdicts: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "duration_s": self.duration_s,
            "speaking_s": self.speaking_s,
            "words": self.words,
            "wpm": self.wpm,
            "pauses": [{"start_s": p.start_s, "duration_s": p.duration_s} for p in self.pauses],
            "target_s": self.target_s,
            "verdicts": list(self.verdicts),
        }


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Mono float samples in [-1, 1] and the sample rate; InputError for anything else."""
    try:
        with wave.open(io.BytesIO(data)) as wav:
            rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise InputError(f"the recording is not a readable WAV file ({exc})") from exc
    dtype = {1: np.uint8, 2: np.int16, 4: np.int32}.get(width)
    if dtype is None or rate <= 0:
        raise InputError(f"unsupported WAV format ({8 * width}-bit, {rate} Hz)")
    samples = np.frombuffer(frames, dtype=dtype).astype(np.float32)
    if width == 1:
        samples = samples - 128.0
    samples /= float(2 ** (8 * width - 1))
    if channels > 1:
        samples = (
            samples[: len(samples) - len(samples) % channels].reshape(-1, channels).mean(axis=1)
        )
    return samples, rate


def analyse(
    samples: np.ndarray, rate: int, draft_words: int, target_s: float = 120.0
) -> RehearsalResult:
    duration = len(samples) / rate if rate else 0.0
    if duration < 1.0:
        raise InputError("the recording is shorter than a second; record your story again")
    frame = max(1, int(rate * FRAME_S))
    frame_s = frame / rate  # the real frame length: int() rounds the sample count down
    usable = len(samples) - len(samples) % frame
    rms = np.sqrt((samples[:usable].reshape(-1, frame) ** 2).mean(axis=1))
    loud = float(np.percentile(rms, 95)) if len(rms) else 0.0
    silent = rms < max(loud * SILENCE_RATIO, 1e-4)
    pauses, run_start = [], None
    for i, is_silent in enumerate(np.append(silent, False)):
        if is_silent and run_start is None:
            run_start = i
        elif not is_silent and run_start is not None:
            length = (i - run_start) * frame_s
            inside = run_start > 0 and i < len(silent)  # leading/trailing silence is not a pause
            if length >= LONG_PAUSE_S and inside:
                pauses.append(Pause(round(run_start * frame_s, 2), round(length, 2)))
            run_start = None
    speaking = float((~silent).sum() * frame_s)
    wpm = round(draft_words / (speaking / 60), 1) if speaking > 0 and draft_words else None
    return RehearsalResult(
        duration_s=round(duration, 2),
        speaking_s=round(speaking, 2),
        words=draft_words,
        wpm=wpm,
        pauses=tuple(pauses),
        target_s=target_s,
        verdicts=_verdicts(duration, wpm, pauses, target_s),
    )


def _verdicts(
    duration: float, wpm: float | None, pauses: list[Pause], target_s: float
) -> tuple[str, ...]:
    notes = [length_verdict(duration, target_s)]
    if wpm is not None:
        notes.append(pace_verdict(wpm))
    if pauses:
        notes.append(f"{len(pauses)} long pause(s) of {LONG_PAUSE_S:.1f} s or more.")
    return tuple(notes)


def analyse_wav(data: bytes, draft_words: int, target_s: float = 120.0) -> RehearsalResult:
    samples, rate = read_wav(data)
    return analyse(samples, rate, draft_words, target_s)
