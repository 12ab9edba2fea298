"""A data directory whose library already holds the built-in guidance cards.

Indexing the cards takes about ten seconds, so a session does it once (``seeded_data_dir``
in tests/conftest.py) and every test or app server that needs it works on a copy. The
indexing runs in a child process — so the vector store is closed cleanly before anything
copies it, and so it can run on the second core while the first tests run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from environment import PROJECT_ROOT, child_env


class LibrarySeed:
    """``coach sources`` into ``folder``, as a first run would; ``wait()`` returns the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._log = folder.with_name(folder.name + ".log")
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "coach", "sources"],
                env=child_env(COACH_DATA_DIR=str(folder)),
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self, timeout_s: float = 300) -> Path:
        if self._process.wait(timeout=timeout_s) != 0:
            output = self._log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"coach sources failed:\n{output}")
        return self.folder

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
