"""COACH_LLM_TIMEOUT_S bounds a whole LLM call, against real misbehaving HTTP servers.

A silent server (accepts, never answers) and a dripping one (answers, then sends a byte every
0.2 s forever) used to keep a call busy for two full timeouts or without end; each call must
now end with the timeout message within the deadline plus a little slack.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coach.coaching.llm import ChatLLM
from coach.coaching.prompts import ChatMessage
from coach.errors import ServiceError
from coach.settings import Settings

DEADLINE_S = 1.5
SLACK_S = 2.0
HELLO = [ChatMessage("user", "hello")]


def misbehaving_server(kind: str, stop: threading.Event) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — http.server's naming
            self._misbehave()

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._misbehave()

        def _misbehave(self):
            if kind == "silent":
                stop.wait(60)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for byte in b'data: {"id": "x", "choices": [{"delta": {"content": "hi"}}]}' * 100:
                if stop.wait(0.2):
                    return
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    return

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(params=["silent", "dripping"])
def bad_llm(request, tmp_path) -> Iterator[ChatLLM]:
    stop = threading.Event()
    server = misbehaving_server(request.param, stop)
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings = Settings(
        data_dir=tmp_path, llm_base_url=url, llm_model="m", llm_timeout_s=DEADLINE_S
    )
    yield ChatLLM.from_settings(settings)
    stop.set()
    server.shutdown()
    server.server_close()


def test_a_whole_answer_stops_at_the_deadline(bad_llm: ChatLLM) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceError, match="did not finish in time"):
        bad_llm.complete(HELLO)
    assert time.monotonic() - started < DEADLINE_S + SLACK_S


def test_a_streamed_answer_stops_at_the_deadline(bad_llm: ChatLLM) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceError, match="did not finish in time"):
        for _ in bad_llm.stream(HELLO):
            pass
    assert time.monotonic() - started < DEADLINE_S + SLACK_S


def test_test_connection_stops_at_its_own_short_deadline(bad_llm: ChatLLM) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceError, match="did not finish in time"):
        bad_llm.check_connection(timeout_s=1.0)
    assert time.monotonic() - started < 1.0 + SLACK_S
