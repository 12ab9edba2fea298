"""Real local servers the tests start and stop: a Chroma server and a Caddy reverse proxy.

Each is a context manager on 127.0.0.1 and a free port; its log is kept beside its data so a
failed start says why.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from environment import child_env
from net import free_port

BIN = Path(sys.executable).parent
CHROMA = BIN / "chroma"
CADDY = BIN / "caddy"


def stop_process(process: subprocess.Popen) -> None:
    """Ask a server to stop; after 15 s, make it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class _Process:
    def __init__(self, command: list[str], log: Path, ready_url: str, name: str) -> None:
        self.name, self.ready_url, self.log_path = name, ready_url, log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=child_env()
        )

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(self.ready_url, timeout=1):
                    return
            except OSError as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = self.log_path.read_text()
                    raise RuntimeError(f"{self.name} did not start: {log}") from exc
                time.sleep(0.2)

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class ChromaServer(_Process):
    """``chroma run`` with its data in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        command = [str(CHROMA), "run", "--path", str(folder / "db"), "--host", "127.0.0.1"]
        super().__init__(
            [*command, "--port", str(self.port)],
            folder / "chroma.log",
            f"{self.url}/api/v2/heartbeat",
            "chroma server",
        )
        self.wait_ready()


class CaddyBalancer(_Process):
    """Caddy in front of ``upstreams``: sticky by cookie (a new browser is dealt round-robin),
    WebSockets passed through, a dead upstream retried on the next one, and the upstream that
    answered named in an ``X-Upstream`` header so a test can tell the replicas apart."""

    def __init__(self, folder: Path, upstreams: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "Caddyfile"
        config.write_text(
            "{\n  admin off\n  auto_https off\n  persist_config off\n}\n"
            f"http://127.0.0.1:{self.port} {{\n"
            f"  reverse_proxy {' '.join(upstreams)} {{\n"
            "    lb_policy cookie coach_replica {\n      fallback round_robin\n    }\n"
            "    lb_try_duration 10s\n    fail_duration 30s\n"
            "    header_down X-Upstream {http.reverse_proxy.upstream.hostport}\n"
            "  }\n}\n"
        )
        super().__init__(
            [str(CADDY), "run", "--config", str(config), "--adapter", "caddyfile"],
            folder / "caddy.log",
            self.url + "/_stcore/health",
            "caddy",
        )
        self.wait_ready()


def why_missing(*binaries: Path) -> str | None:
    for binary in binaries:
        if not binary.exists():
            return f"{binary.name} is not installed next to {sys.executable} ('python dev.py test')"
    return None
