"""Rehearsal transcription against a real local HTTP endpoint, and the offline beat check.

No speech-to-text model can run on this machine, so the endpoint here is a small real HTTP
server that speaks the OpenAI ``/v1/audio/transcriptions`` protocol and returns a fixed
transcript. It checks the request our client sends (multipart, model, audio bytes); the
words it returns are a stand-in for a real model's, which is the part it cannot provide.
"""

from __future__ import annotations

import io
import socket
import wave

import numpy as np
import pytest
from transcription_endpoint import TranscriptionEndpoint

from coach.errors import ServiceError
from coach.rehearsal.transcription import beat_coverage, transcribe
from coach.settings import Settings

DRAFT = (
    "Last winter the boiler at Maple Court broke and families slept in their coats.\n\n"
    "So we knocked on every door and forty tenants signed a letter to the landlord.\n\n"
    "Come to the housing board meeting on Tuesday at six and bring a neighbour."
)
HEARD = (
    "last winter the boiler at maple court broke and families slept in coats. "
    "so we knocked on every door and forty tenants signed a letter to the landlord."
)


def _wav(seconds: float = 1.5, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        tone = 0.2 * np.sin(2 * np.pi * 220 * np.arange(int(rate * seconds)) / rate)
        out.writeframes((tone * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


@pytest.fixture
def endpoint():
    """A real HTTP server on 127.0.0.1 answering /v1/audio/transcriptions."""
    with TranscriptionEndpoint(HEARD) as server:
        yield server.url, server.requests


def test_a_recording_is_sent_as_multipart_and_its_text_comes_back(endpoint) -> None:
    url, requests = endpoint
    settings = Settings(transcription_base_url=url, transcription_model="whisper-small")
    audio = _wav()

    assert transcribe(audio, settings) == HEARD
    (request,) = requests
    assert request["path"] == "/v1/audio/transcriptions"
    assert request["type"].startswith("multipart/form-data")
    assert b"whisper-small" in request["body"] and audio[:44] in request["body"]


def test_without_an_endpoint_the_reason_is_clear() -> None:
    with pytest.raises(ServiceError, match="no transcription endpoint"):
        transcribe(_wav(), Settings())


def test_a_dead_endpoint_is_a_clear_service_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        transcription_base_url=f"http://127.0.0.1:{port}/v1",
        transcription_model="whisper-small",
        llm_api_key="sk-secret-123",
        llm_timeout_s=3,
    )
    with pytest.raises(ServiceError, match="transcription failed") as caught:
        transcribe(_wav(), settings)
    assert "sk-secret-123" not in str(caught.value)


def test_beat_coverage_shows_which_parts_of_the_story_were_said() -> None:
    beats = beat_coverage(DRAFT, HEARD)
    assert [b.covered for b in beats] == [True, True, False]
    assert beats[2].text.startswith("Come to the housing board")
    assert DRAFT[beats[1].start : beats[1].end].strip() == beats[1].text


def test_a_french_beat_is_heard_whatever_the_apostrophes_and_elisions() -> None:
    """A draft typed with ’ and a transcript with ': "l’hiver" and "l'hiver" are one word, and
    the elided "qu’", "n’", "d’" count as nothing."""
    draft = (
        "C’est l’hiver où j’ai compris qu’il fallait parler aux voisins du bâtiment.\n\n"
        "Rejoignez-nous jeudi à la mairie pour demander des réparations avant décembre."
    )
    heard = "c'est l'hiver où j'ai compris qu'il fallait parler aux voisins du bâtiment"
    beats = beat_coverage(draft, heard)
    assert [b.covered for b in beats] == [True, False]
    assert beats[0].coverage == 1.0
