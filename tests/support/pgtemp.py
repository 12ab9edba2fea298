"""A throwaway PostgreSQL server on 127.0.0.1, for the storage tests and benchmark (not shipped).

It uses the distribution's binaries (``/usr/lib/postgresql/<version>/bin``), a fresh cluster
in a temporary directory and a free port; stopping it deletes everything. PostgreSQL refuses
to run as root, so as root the server runs as the ``postgres`` system user (``runuser``).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.append(str(Path(__file__).resolve().parent))  # benchmarks import it by path
from net import free_port  # noqa: E402

SUPERUSER = "coach"


def find_pg_bin() -> Path | None:
    """The newest installed PostgreSQL ``bin`` directory with initdb and pg_ctl, if any."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def why_unavailable() -> str | None:
    """A reason a temporary server cannot start here, or None when it can."""
    if find_pg_bin() is None:
        return "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser: cannot start PostgreSQL as another user"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server"
    return None


class TempPostgres:
    """``with TempPostgres() as pg: pg.create_database("t1")`` -> a SQLAlchemy URL.

    ``durable=False`` turns off fsync for speed (tests kill clients, not the server);
    the benchmark keeps the defaults so its numbers mean something.
    """

    def __init__(self, *, durable: bool = True) -> None:
        reason = why_unavailable()
        if reason:
            raise RuntimeError(reason)
        self.bin = find_pg_bin()
        self.durable = durable
        self.root: Path | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def start(self) -> TempPostgres:
        self.root = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        initdb = f"-D {data} -U {SUPERUSER} --auth=trust -E UTF8 --no-locale --no-sync"
        self._run("initdb", *initdb.split())
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=200",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        for _attempt in range(3):
            self.port = free_port()
            started = self._run(
                "pg_ctl",
                "-D",
                str(data),
                "-l",
                str(self.root / "server.log"),
                "-o",
                " ".join([f"-p {self.port}", *options]),
                "-w",
                "-t",
                "60",
                "start",
                check=False,
            )
            if started.returncode == 0:
                return self
        log = (self.root / "server.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start:\n{log}")

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.database_url(name)

    def stop(self) -> None:
        if self.root is None:
            return
        data = self.root / "data"
        if (data / "postmaster.pid").exists():
            # "immediate": no shutdown checkpoint, the cluster is deleted right after anyway.
            self._run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=self.root or "/"
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stderr or result.stdout}")
        return result
