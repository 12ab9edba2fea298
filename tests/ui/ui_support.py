"""Helpers shared by the UI tests: a fresh data directory, recordings, element lookups."""

from __future__ import annotations

import io
import json
import re
import shutil
import wave
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT_S = 120  # the first run in a process loads the scorer and the embedding model


def fresh_data_dir(seed_chroma: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(seed_chroma, target / "chroma")
    return target


def wav_bytes(pattern: list[tuple[float, bool]], rate: int = 16000) -> bytes:
    """A mono 16-bit WAV: (seconds, sounding?) segments — tone for speech, silence for pauses."""
    parts = []
    for seconds, sounding in pattern:
        t = np.arange(int(seconds * rate)) / rate
        parts.append(0.4 * np.sin(2 * np.pi * 220 * t) if sounding else np.zeros_like(t))
    samples = (np.concatenate(parts) * 32767).astype(np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def open_page(at: AppTest, page: str) -> AppTest:
    """Run the app, go to ``page`` (e.g. "ui/pages/review.py") and check it drew without error."""
    at.run()
    if page != "ui/pages/write_score.py":
        at.switch_page(page).run()
    assert_ok(at)
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def by_label(widgets, label: str):
    """The one widget with this label (fails with the labels there are, to read easily)."""
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, f"{label!r} not unique among {[w.label for w in widgets]}"
    return found[0]


def html_bodies(at: AppTest) -> list[str]:
    """The HTML the page shows: the highlighted draft (a component's data) first, then the rest."""
    data = [json.loads(e.proto.json or "null") for e in at.get("bidi_component")]
    drafts = [d["html"] for d in data if isinstance(d, dict) and d.get("html")]
    return drafts + [element.proto.body for element in at.get("html")]


def texts(at: AppTest) -> str:
    """All visible Markdown, captions, plain text and alerts of the page, joined."""
    parts = (
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    )
    for kind in (at.info, at.success, at.warning, at.error):
        parts += [a.value for a in kind]
    return "\n".join(str(p) for p in parts)


def plain(markdown: str) -> str:
    """Escaped Markdown as the reader sees it (``e\\-mail`` -> ``e-mail``)."""
    return re.sub(r"\\(.)", r"\1", markdown)
