"""``coach workshop ...``, ``coach backup`` and ``coach restore`` as a trainer would use them."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import tarfile
from pathlib import Path

import pytest
from storage_support import PASSWORD

from coach import cli
from coach.storage import Access, Database, Drafts, Records
from coach.storage.backup import backup, restore
from coach.storage.db import SQLITE_FILENAME

TRAINER = ["--trainer", "tess@example.org", "--password-stdin"]


@pytest.fixture
def coach(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``coach ARGS`` with a password on standard input; returns (exit code, out, err)."""
    # Only this command group: the others are built and tested by their own folders.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["coach.cli.workshop"])

    def run(*args: str, stdin: str = PASSWORD + "\n") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    """Point the CLI's Settings at this test's database (SQLite file or PostgreSQL)."""
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    if database_url.startswith("postgresql"):
        monkeypatch.setenv("COACH_DATABASE_URL", database_url)
        monkeypatch.setenv("COACH_SECRET_KEY", "the same on every replica")
    return database_url


@pytest.mark.postgres
def test_a_server_database_without_a_secret_key_is_a_one_line_error(
    coach, postgres_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_DATABASE_URL", postgres_server.create_database("no_secret"))
    code, _, err = coach("workshop", "create", "Spring cohort", *TRAINER)
    assert code == 2 and "COACH_SECRET_KEY is not set" in err and "Traceback" not in err


def test_a_trainer_runs_a_workshop_from_the_command_line(
    coach, settings_env: str, tmp_path: Path
) -> None:
    code, out, err = coach("workshop", "create", "Spring cohort", *TRAINER)
    assert code == 0 and "Created trainer account" in err
    join_code = re.search(r"Join code: (\S+)", out).group(1)

    with Database(settings_env) as db:  # a participant joins and saves in the app meanwhile
        ana = Access(db).join(join_code, "Ana").actor
        v = Drafts(db).save_draft(ana, "Ana's story", "I chose to act.", "self")
        Drafts(db).attach_report(
            ana,
            v.id,
            {"overall": 64, "criteria": [{"id": "choice", "score": 2}]},
            rubric_version="1",
        )

    code, out, _ = coach("workshop", "list", *TRAINER)
    assert code == 0 and re.search(r"\s1\s+1\s+1\s+\S+\s+Spring cohort", out)

    code, out, _ = coach("workshop", "export", "1", "--format", "json", *TRAINER)
    [row] = json.loads(out)["rows"]
    assert (row["participant"], row["overall"], row["scores"]) == ("Ana", 64, {"choice": 2})

    target = tmp_path / "export.csv"
    code, _, err = coach("workshop", "export", "1", "--out", str(target), *TRAINER)
    assert code == 0 and "Wrote 1 rows" in err
    assert next(csv.DictReader(target.open()))["score:choice"] == "2"

    code, out, _ = coach("workshop", "rotate-code", "1", *TRAINER)
    assert code == 0 and join_code not in out


def test_refusals_are_messages_and_exit_code_2(coach, settings_env: str) -> None:
    coach("workshop", "create", "Spring cohort", *TRAINER)
    code, _, err = coach("workshop", "list", *TRAINER, stdin="wrong password\n")
    assert (code, err.strip()) == (2, "coach: error: wrong e-mail or password")
    code, _, err = coach("workshop", "export", "99", *TRAINER)
    assert code == 2 and "no workshop 99" in err
    with pytest.raises(SystemExit) as usage:  # argparse's usage error, not a traceback
        coach("workshop", "export", "99999999999999999999", *TRAINER)
    assert usage.value.code == 2
    code, _, err = coach(
        "workshop",
        "create",
        "x",
        "--trainer",
        "new@example.org",
        "--password-stdin",
        stdin="short\n",
    )
    assert code == 2 and "at least 10 characters" in err


# -- backup and restore (the SQLite data directory) ------------------------------------------


def _live_data_dir(root: Path) -> tuple[Path, Database, int]:
    """A data directory whose newest save is still only in the WAL of an open database."""
    data = root / "data"
    (data / "chroma").mkdir(parents=True)
    with sqlite3.connect(data / "chroma" / "chroma.sqlite3") as other:
        other.execute("CREATE TABLE IF NOT EXISTS t (x)")
    (data / "notes.txt").write_text("kept as is")
    db = Database(f"sqlite:///{data / SQLITE_FILENAME}")
    me = Access(db).local_actor()
    v = Drafts(db).save_draft(me, "t", "saved just now", "self")
    Records(db).put(me, "preferences", "", {"speaking_rate_wpm": 150})
    return data, db, v.id


def test_backup_of_a_live_database_restores_every_committed_save(tmp_path: Path) -> None:
    data, db, version_id = _live_data_dir(tmp_path)
    assert (data / (SQLITE_FILENAME + "-wal")).stat().st_size > 0  # not yet in coach.db itself

    result = backup(data, tmp_path / "b.tar.gz")
    db.dispose()

    assert sorted(result.databases) == ["chroma/chroma.sqlite3", SQLITE_FILENAME]
    with tarfile.open(result.path) as tar:
        assert not any(name.endswith(("-wal", "-shm")) for name in tar.getnames())
    (data / "notes.txt").write_text("changed after the backup")

    restored = restore(result.path, data)

    assert restored.moved_aside and (restored.moved_aside / "notes.txt").exists()
    assert (data / "notes.txt").read_text() == "kept as is"
    with Database(f"sqlite:///{data / SQLITE_FILENAME}") as again:
        assert again.integrity_check() == "ok"
        me = Access(again).local_actor()
        assert Drafts(again).get_version(me, version_id).text == "saved just now"
        assert Records(again).get(me, "preferences").data == {"speaking_rate_wpm": 150}


def test_backup_and_restore_commands(coach, tmp_path: Path, monkeypatch) -> None:
    data, db, _ = _live_data_dir(tmp_path)
    db.dispose()
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    archive = tmp_path / "nightly.tar.gz"

    code, out, _ = coach("backup", "--out", str(archive))
    assert code == 0 and "2 databases" in out
    code, out, _ = coach("restore", str(archive))
    assert code == 0 and "previous data directory was kept" in out

    not_a_backup = tmp_path / "other.tar.gz"
    with tarfile.open(not_a_backup, "w:gz") as tar:
        tar.add(data / "notes.txt", arcname="notes.txt")
    code, _, err = coach("restore", str(not_a_backup))
    assert code == 2 and "not a Narrative Coach backup" in err
    assert (data / SQLITE_FILENAME).exists()  # a refused restore changes nothing


def test_my_data_exports_the_local_users_drafts_and_records(
    coach, settings_env: str, tmp_path: Path
) -> None:
    db = Database(settings_env)
    me = Access(db).local_actor()
    Drafts(db).save_draft(me, "My story", "I was there.", "self")
    Records(db).put(me, "preferences", "", {"speaking_rate_wpm": 150})
    db.dispose()
    code, out, _ = coach("my-data")
    document = json.loads(out)
    assert code == 0 and [d["title"] for d in document["drafts"]] == ["My story"]
    assert document["records"][0]["data"] == {"speaking_rate_wpm": 150}
    code, _, err = coach("my-data", "--out", str(tmp_path / "me.json"))
    assert code == 0 and "1 drafts and 1 records" in err
    assert json.loads((tmp_path / "me.json").read_text()) == document


def test_wrong_passwords_lock_only_that_trainer_out_of_the_cli(coach, settings_env: str) -> None:
    coach("workshop", "create", "Spring cohort", *TRAINER)
    other = ["--trainer", "omar@example.org", "--password-stdin"]
    code, _, _ = coach("workshop", "create", "Autumn cohort", *other)
    assert code == 0
    for _ in range(5):  # the CLI's limit: five failures in fifteen minutes
        code, _, err = coach("workshop", "list", *TRAINER, stdin="wrong password\n")
        assert "wrong e-mail or password" in err
    code, _, err = coach("workshop", "list", *TRAINER)
    assert code == 2 and "too many failed attempts" in err
    code, out, _ = coach("workshop", "list", *other)
    assert code == 0 and "Autumn cohort" in out


# -- archives that are not what they claim ----------------------------------------------


def _archives(tmp_path: Path, good: Path) -> dict[str, Path]:
    """A truncated backup, a file that is no tarball, and one with a '../' entry."""
    truncated = tmp_path / "truncated.tar.gz"
    data = good.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    text = tmp_path / "notes.tar.gz"
    text.write_text("these are my notes, not an archive\n" * 20)
    escaping = tmp_path / "escaping.tar.gz"
    manifest = json.dumps({"schema": "narrative-coach/backup/v1"}).encode()
    with tarfile.open(escaping, "w:gz") as tar:
        for name, payload in (("backup-manifest.json", manifest), ("../outside.txt", b"x")):
            entry = tarfile.TarInfo(name)
            entry.size = len(payload)
            tar.addfile(entry, io.BytesIO(payload))
    return {"damaged or incomplete": truncated, "cannot read backup": text, "unsafe": escaping}


def test_a_bad_archive_is_refused_and_changes_nothing(coach, tmp_path: Path, monkeypatch) -> None:
    data, db, _ = _live_data_dir(tmp_path)
    db.dispose()
    good = backup(data, tmp_path / "good.tar.gz").path
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    for expected, archive in _archives(tmp_path, good).items():
        code, _, err = coach("restore", str(archive))
        assert (code, expected in err, "Traceback" in err) == (2, True, False), err

    assert not (tmp_path.parent / "outside.txt").exists()
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert [p for p in after if p not in before and p.suffix != ".gz"] == []


def test_a_damaged_database_in_the_data_dir_stops_the_backup_cleanly(
    coach, tmp_path: Path, monkeypatch
) -> None:
    data, db, _ = _live_data_dir(tmp_path)
    db.dispose()
    (data / "old-copy.db").write_bytes(b"SQLite format 3\x00" + b"\x07garbage" * 500)
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    out_dir = tmp_path / "backups"
    code, _, err = coach("backup", "--out", str(out_dir / "nightly.tar.gz"))
    assert code == 2 and "old-copy.db: it looks like a SQLite database but cannot be read" in err
    assert list(out_dir.iterdir()) == []  # no archive, and no .partial left behind
