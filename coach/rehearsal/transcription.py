"""Optional rehearsal transcription and a check of which story beats were said.

Transcription needs an OpenAI-compatible ``/audio/transcriptions`` endpoint (OpenAI,
a whisper.cpp or faster-whisper server…), set by ``COACH_TRANSCRIPTION_MODEL`` and
``COACH_TRANSCRIPTION_BASE_URL`` (default: the LLM's base URL and key). Without one the
rehearsal page still measures length, pace and pauses offline. The coverage check is
plain word overlap and runs offline on any transcript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.errors import ServiceError
from coach.settings import Settings
from coach.text.draft import make_draft, stopwords, word_tokens

COVERED_AT = 0.5  # share of a beat's content words heard in the transcript


@dataclass(frozen=True)
class BeatCoverage:
    index: int
    start: int
    end: int
    text: str
    coverage: float

    @property
    def covered(self) -> bool:
        return self.coverage >= COVERED_AT


def _content_words(text: str, language: str) -> set[str]:
    """Words that carry the beat: not function words, and with a typed ’ and a transcribed '
    read alike; an elided article or pronoun ("l’hiver", "qu’il") counts as the word after it."""
    stop = stopwords(language)
    words = set()
    for token in word_tokens(text.replace("’", "'")):
        head, _, rest = token.lower().partition("'")
        word = rest if rest and (len(head) <= 2 or head.endswith("qu")) else token.lower()
        if len(word) > 2 and word not in stop:
            words.add(word)
    return words


def beat_coverage(draft_text: str, transcript: str) -> list[BeatCoverage]:
    """For each paragraph of the draft (a beat of the story), how much of it was said."""
    draft = make_draft(draft_text)
    heard = _content_words(transcript, draft.language)
    beats = []
    for paragraph in draft.paragraphs:
        text = draft.text[paragraph.start : paragraph.end].strip()
        words = _content_words(text, draft.language)
        share = len(words & heard) / len(words) if words else 1.0
        beats.append(
            BeatCoverage(paragraph.index, paragraph.start, paragraph.end, text, round(share, 2))
        )
    return beats


def transcribe(audio: bytes, settings: Settings, *, filename: str = "rehearsal.wav") -> str:
    """Send a recording to the configured endpoint and return its text (ServiceError if not)."""
    if not settings.transcription_configured:
        raise ServiceError(
            "no transcription endpoint is set up (COACH_TRANSCRIPTION_MODEL and a base URL)"
        )
    from openai import APIError, OpenAI

    client = OpenAI(
        base_url=settings.transcription_base_url or settings.llm_base_url,
        api_key=settings.llm_api_key.get_secret_value() or "not-needed",
        timeout=settings.llm_timeout_s,
        max_retries=1,
    )
    try:
        result = client.audio.transcriptions.create(
            model=settings.transcription_model, file=(filename, audio)
        )
    except APIError as exc:
        message = re.sub(r"(?i)(sk-|bearer\s+)\S+", r"\1***", str(exc))  # never echo a key
        raise ServiceError(f"transcription failed ({type(exc).__name__}): {message}") from None
    text = getattr(result, "text", "") or ""
    if not text.strip():
        raise ServiceError("the transcription endpoint returned no text")
    return text
