"""The operator's API key goes only to the operator's LLM URL (issue 15: a visitor typed their
own URL on Settings and "Test connection" delivered the server's key to their listener)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coach.coaching.llm import ChatLLM
from coach.settings import Settings, same_endpoint

OPERATOR_KEY = "sk-operator-7a6b5c4d-NEVER-LEAK"


class Listener:
    """A real HTTP server that answers /v1/models and records every Authorization header."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        seen = self.authorizations

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — http.server's naming
                seen.append(self.headers.get("Authorization", ""))
                body = json.dumps({"object": "list", "data": [{"id": "m", "object": "model"}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def operator(tmp_path, url: str) -> Settings:
    return Settings(data_dir=tmp_path, llm_base_url=url, llm_model="m", llm_api_key=OPERATOR_KEY)


def test_a_visitors_own_url_never_receives_the_operators_key(tmp_path, listener) -> None:
    settings = operator(tmp_path, "https://llm.example.org/v1")
    visitor = settings.with_llm_endpoint(listener.url, "m")
    ChatLLM.from_settings(visitor).check_connection()
    assert listener.authorizations, "the listener was asked"
    assert not any(OPERATOR_KEY in header for header in listener.authorizations)


def test_a_visitor_may_send_a_key_they_typed_to_their_own_url(tmp_path, listener) -> None:
    visitor = operator(tmp_path, "https://llm.example.org/v1").with_llm_endpoint(
        listener.url, "m", session_key="sk-visitor"
    )
    ChatLLM.from_settings(visitor).check_connection()
    assert listener.authorizations == ["Bearer sk-visitor"]


def test_the_operators_own_url_keeps_the_operators_key(tmp_path, listener) -> None:
    settings = operator(tmp_path, listener.url)
    same = settings.with_llm_endpoint(listener.url + "/", "m")
    ChatLLM.from_settings(same).check_connection()
    assert listener.authorizations == [f"Bearer {OPERATOR_KEY}"]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("http://LOCALHOST:11434/v1/", "http://localhost:11434/v1", True),
        ("http://localhost:11434/v1", "http://localhost:11435/v1", False),
        ("http://localhost:11434/v1", "https://localhost:11434/v1", False),
        ("https://llm.example.org/v1", "https://llm.example.org.evil.test/v1", False),
        ("", "", False),
    ],
)
def test_what_counts_as_the_same_endpoint(first: str, second: str, same: bool) -> None:
    assert same_endpoint(first, second) is same
