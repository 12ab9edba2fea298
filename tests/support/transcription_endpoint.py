"""A real local HTTP server speaking the OpenAI-compatible ``/v1/audio/transcriptions``.

No speech model can run on this machine, so the server answers every recording with the
text the test sets in ``heard``; everything else — the multipart upload, the HTTP round
trip, the JSON answer — is real. Used by the rehearsal and UI tests (``pythonpath`` in
pyproject.toml puts this folder on the import path).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TranscriptionEndpoint:
    """Start with ``with TranscriptionEndpoint("what was said") as endpoint:``."""

    def __init__(self, heard: str = "") -> None:
        self.heard = heard
        self.requests: list[dict] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.requests.append(
                    {"path": self.path, "type": self.headers["Content-Type"], "body": body}
                )
                answer = json.dumps({"text": endpoint.heard}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        """The base URL a client is configured with (``…/v1``)."""
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def __enter__(self) -> TranscriptionEndpoint:
        # a short poll interval: shutdown() waits up to one interval, and tests stop it often
        serve = {"poll_interval": 0.05}
        threading.Thread(target=self._server.serve_forever, kwargs=serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
