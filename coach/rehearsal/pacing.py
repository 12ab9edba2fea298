"""Pace paragraph by paragraph, from a run on the stage.

The stage times how long each paragraph was on screen while the clock ran, so a speaker who
steps through the draft with the arrow keys learns where they rushed and where they dragged —
no recording or transcription needed. A run too short or too fast to be a real read-through
gets a report but is not saved as a pace (issue 16: a 9-second run had been saved as
1,920 words a minute).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.errors import InputError
from coach.text.draft import count_words

#: Comfortable listening pace, words a minute; outside RUSHED/DRAGGING a note is given.
PACE_RANGE_WPM = (120, 160)
RUSHED_WPM = 180
DRAGGING_WPM = 110
#: Runs shorter than this say little about pace and are not saved.
MIN_RUN_S = 20.0
#: Faster than anyone reads aloud (auctioneers aside): such a run was not a full one.
MAX_PLAUSIBLE_WPM = 300
#: A paragraph shown for less than this was skipped past, not spoken.
MIN_PARAGRAPH_S = 1.0


def pace_note(wpm: float | None) -> str:
    """One phrase about a pace: ``rushing``, ``dragging`` or ``comfortable`` ('' if unknown)."""
    if wpm is None:
        return ""
    if wpm > RUSHED_WPM:
        return "rushing"
    if wpm < DRAGGING_WPM:
        return "dragging"
    return "comfortable"


def implausible_run(duration_s: float, words: int) -> str:
    """Why a run should not be saved as a pace ('' when it may be)."""
    if duration_s < MIN_RUN_S:
        return f"Runs under {MIN_RUN_S:.0f} seconds are not saved: they say little about pace."
    wpm = words * 60.0 / duration_s
    if wpm > MAX_PLAUSIBLE_WPM:
        return (
            f"{duration_s:.0f} s for {words} words would be {wpm:.0f} words a minute: "
            "too fast to be a full run through, so it is not saved."
        )
    return ""


@dataclass(frozen=True)
class ParagraphPace:
    index: int
    opening: str
    words: int
    seconds: float
    wpm: float | None
    note: str

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "words": self.words,
            "seconds": self.seconds,
            "wpm": self.wpm,
            "note": self.note,
        }


@dataclass(frozen=True)
class StageRun:
    duration_s: float
    target_s: float
    words: int
    wpm: float
    paragraphs: tuple[ParagraphPace, ...]
    stepped: bool
    not_saved_because: str
    verdicts: tuple[str, ...]


def stage_run(paragraphs: Sequence[str], seconds: Sequence[float], target_s: float) -> StageRun:
    """The report after a run: length against target, overall pace, pace per paragraph.

    ``seconds[i]`` is how long paragraph ``i`` was on screen while the clock ran. Pace per
    paragraph is reported only when every paragraph was shown (the speaker stepped through);
    otherwise the whole run's time would be charged to the first paragraph.
    """
    if len(seconds) != len(paragraphs) or not paragraphs:
        raise InputError("a stage run needs one time per paragraph of the draft")
    if any(not s >= 0 for s in seconds):  # also refuses NaN
        raise InputError("a stage run's times must be zero or more seconds")
    duration = round(float(sum(seconds)), 1)
    if duration <= 0:
        raise InputError("the clock did not run: press Space to start it, then read")
    total_words = sum(count_words(p) for p in paragraphs)
    stepped = len(paragraphs) == 1 or all(s >= MIN_PARAGRAPH_S for s in seconds)
    rows = []
    for i, (text, spent) in enumerate(zip(paragraphs, seconds, strict=True)):
        count = count_words(text)
        wpm = round(count * 60.0 / spent, 0) if stepped and spent > 0 else None
        rows.append(
            ParagraphPace(
                i, " ".join(text.split()[:8]), count, round(spent, 1), wpm, pace_note(wpm)
            )
        )
    wpm = round(total_words * 60.0 / duration, 1)
    return StageRun(
        duration_s=duration,
        target_s=float(target_s),
        words=total_words,
        wpm=wpm,
        paragraphs=tuple(rows),
        stepped=stepped,
        not_saved_because=implausible_run(duration, total_words),
        verdicts=_verdicts(duration, target_s, wpm, rows, stepped),
    )


def length_verdict(duration_s: float, target_s: float) -> str:
    if duration_s > target_s * 1.1:
        return f"Over time by {duration_s - target_s:.0f} s (target {target_s:.0f} s)."
    if duration_s < target_s * 0.75:
        return f"Under time by {target_s - duration_s:.0f} s (target {target_s:.0f} s)."
    return f"On time ({duration_s:.0f} s against a {target_s:.0f} s target)."


def pace_verdict(wpm: float) -> str:
    low, high = PACE_RANGE_WPM
    note = pace_note(wpm)
    if note == "rushing":
        return f"{wpm:.0f} words a minute is rushing; aim for {low}–{high}."
    if note == "dragging":
        return f"{wpm:.0f} words a minute drags; aim for {low}–{high}."
    return f"Pace {wpm:.0f} words a minute — comfortable to listen to."


def _verdicts(
    duration: float, target_s: float, wpm: float, rows: list[ParagraphPace], stepped: bool
) -> tuple[str, ...]:
    notes = [length_verdict(duration, target_s), pace_verdict(wpm)]
    if not stepped:
        notes.append(
            "Press → as you move on to each paragraph to see your pace paragraph by paragraph."
        )
        return tuple(notes)
    for note in ("rushing", "dragging"):
        where = [str(r.index + 1) for r in rows if r.note == note]
        if where:
            label = "paragraph" if len(where) == 1 else "paragraphs"
            notes.append(f"You were {note} in {label} {', '.join(where)}.")
    return tuple(notes)
