"""Back up and restore the data directory as one ``.tar.gz``.

Every SQLite database found in the directory (ours, and Chroma's) is copied with SQLite's
online backup API, which gives a consistent snapshot even while the app is writing; copying
the files of a live WAL database could capture a torn state. Their ``-wal``/``-shm`` side
files are left out because the snapshot already contains everything committed.

A restore never deletes anything: the current directory is moved aside, next to it, and the
archive is unpacked in its place after every database in it passed ``integrity_check``. An
archive that is truncated, not a tarball, or has members pointing outside the directory is
refused with a message, and the data directory is left as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from coach.errors import InputError

BACKUP_SCHEMA = "narrative-coach/backup/v1"
MANIFEST = "backup-manifest.json"
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")
#: What reading a damaged .tar.gz can raise, depending on where the damage is.
ARCHIVE_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    databases: list[str]


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    files: int
    moved_aside: Path | None


def is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def default_backup_name(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"coach-backup-{now:%Y%m%d-%H%M%S}.tar.gz"


def backup(data_dir: Path, out: Path) -> BackupResult:
    """Write ``out`` (a .tar.gz) from ``data_dir``; written to a temp name, then renamed."""
    data_dir = data_dir.resolve()
    out = out.resolve()
    if not data_dir.is_dir():
        raise InputError(f"no data directory at {data_dir}")
    files = [p for p in sorted(data_dir.rglob("*")) if p.is_file() and p != out]
    databases = {p for p in files if is_sqlite(p)}
    skipped = {p for p in files if any(str(p).endswith(s) for s in SIDE_FILES)}
    partial = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        count = _write_archive(partial, data_dir, files, databases, skipped)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(out, count, [str(p.relative_to(data_dir)) for p in sorted(databases)])


def _write_archive(
    target: Path, data_dir: Path, files: list[Path], databases: set[Path], skipped: set[Path]
) -> int:
    count = 0
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(target, "w:gz") as tar:
        manifest = {
            "schema": BACKUP_SCHEMA,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "databases": [str(p.relative_to(data_dir)) for p in sorted(databases)],
        }
        manifest_path = Path(scratch) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=1))
        tar.add(manifest_path, arcname=MANIFEST)
        for path in files:
            if path in skipped and path not in databases:
                continue
            name = str(path.relative_to(data_dir))
            source = _snapshot(path, Path(scratch) / f"{count}.db") if path in databases else path
            tar.add(source, arcname=name)
            count += 1
    return count


def restore(archive: Path, data_dir: Path) -> RestoreResult:
    """Unpack ``archive`` as the data directory; the current one is kept, renamed."""
    data_dir = data_dir.resolve()
    try:
        tar = tarfile.open(archive, "r:gz")
    except ARCHIVE_ERRORS as exc:
        raise InputError(f"cannot read backup {archive}: {_reason(exc)}") from exc
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restore-", dir=data_dir.parent))
    try:
        with tar:
            _check_manifest(tar, archive)
            try:
                tar.extractall(staging, filter="data")
            except tarfile.FilterError as exc:
                raise InputError(
                    f"{archive}: refused, it holds an unsafe entry ({exc}); "
                    "it was not made by 'coach backup'"
                ) from exc
            except ARCHIVE_ERRORS as exc:
                raise InputError(
                    f"{archive}: the backup is damaged or incomplete ({_reason(exc)}); "
                    "nothing was restored"
                ) from exc
        (staging / MANIFEST).unlink()
        for path in staging.rglob("*"):
            if path.is_file() and is_sqlite(path):
                _integrity_check(path, archive)
        moved = _move_aside(data_dir)
        staging.rename(data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sum(1 for p in data_dir.rglob("*") if p.is_file())
    return RestoreResult(data_dir, files, moved)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _snapshot(source: Path, target: Path) -> Path:
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        src.backup(dst)
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"cannot back up {source}: it looks like a SQLite database but cannot be read "
            f"({exc}); move it out of the data directory, or repair it, and try again"
        ) from exc
    finally:
        src.close()
        dst.close()
    return target


def _check_manifest(tar: tarfile.TarFile, archive: Path) -> None:
    try:
        member = tar.extractfile(MANIFEST)
        manifest = json.load(member) if member else None
    except (KeyError, ValueError) as exc:
        raise InputError(f"{archive} is not a Narrative Coach backup (no manifest)") from exc
    except ARCHIVE_ERRORS as exc:
        raise InputError(
            f"{archive}: the backup is damaged or incomplete ({_reason(exc)}); nothing was restored"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("schema") != BACKUP_SCHEMA:
        raise InputError(f"{archive} is not a Narrative Coach backup ({BACKUP_SCHEMA})")


def _integrity_check(path: Path, archive: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        result = [(str(exc),)]
    finally:
        connection.close()
    if result != [("ok",)]:
        raise InputError(f"{archive}: database {path.name} is damaged: {result[:3]}")


def _move_aside(data_dir: Path) -> Path | None:
    if not data_dir.exists():
        return None
    if data_dir.is_dir() and not any(data_dir.iterdir()):
        data_dir.rmdir()
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside = data_dir.with_name(f"{data_dir.name}.before-restore-{stamp}")
    n = 1
    while aside.exists():
        aside = data_dir.with_name(f"{data_dir.name}.before-restore-{stamp}-{n}")
        n += 1
    data_dir.rename(aside)
    return aside
