"""Crashes and crowds: SIGKILL mid-save, and many processes saving at once.

Both run against a real SQLite file and a real PostgreSQL server, with real processes.
"""

from __future__ import annotations

import multiprocessing
import random
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter

import pytest
from environment import child_env
from sqlalchemy import func, select
from storage_support import FAST_HASHER, WORKER_SCRIPT
from storage_workers import digest, run_processes

from coach.storage import Access, Database, Drafts
from coach.storage.models import Draft, DraftVersion

ROUNDS = 5
PROCESSES = 8
SAVES = 50


def _write_then_kill(url: str, round_no: int, rng: random.Random) -> list[list[str]]:
    """Start a writer, let it acknowledge some saves, SIGKILL it; return the acknowledged."""
    writer = subprocess.Popen(
        [*WORKER_SCRIPT, "write", url, str(round_no)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    acked: list[list[str]] = []
    try:
        for _ in range(rng.randint(5, 25)):
            line = writer.stdout.readline()
            assert line, f"writer died early: {writer.stderr.read()}"
            acked.append(line.split())
        time.sleep(rng.uniform(0, 0.02))  # land somewhere inside the next save
    finally:
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    # Lines completed before the kill were acknowledged too; a torn last line was not.
    acked += [line.split() for line in rest.splitlines(keepends=True) if line.endswith("\n")]
    return acked


@pytest.mark.slow
def test_every_acknowledged_save_survives_sigkill(database_url: str) -> None:
    rng = random.Random(6)
    acked: list[list[str]] = []
    for round_no in range(ROUNDS):
        acked += _write_then_kill(database_url, round_no, rng)

        with Database(database_url) as db:  # opens (and migrates) cleanly after every kill
            assert db.integrity_check() == "ok"

    with Database(database_url) as db:
        me = Access(db).local_actor()
        drafts = Drafts(db)
        for version_id, draft_id, number, sha in acked:
            version = drafts.get_version(me, int(version_id))
            assert (version.draft_id, version.number) == (int(draft_id), int(number))
            assert digest(version.text) == sha
        # No torn save either: each draft's versions are exactly 1..latest, none missing.
        with db.read() as session:
            for draft in session.scalars(select(Draft)):
                numbers = session.scalars(
                    select(DraftVersion.number).where(DraftVersion.draft_id == draft.id)
                ).all()
                assert sorted(numbers) == list(range(1, draft.latest_number + 1))
        drafts.save_draft(me, "after the crashes", "still writable", "self")
    assert len(acked) >= ROUNDS * 5


@pytest.mark.slow
def test_eight_processes_saving_at_once_lose_and_duplicate_nothing(
    db: Database, drafts: Drafts, workshop
) -> None:
    """Processes 0-3 edit one shared draft (a participant in four tabs or replicas);
    processes 4-7 each save their own draft; all in one workshop, all at once."""
    access = Access(db, hasher=FAST_HASHER)  # real clock: the workers check the sessions
    shared = access.rejoin(workshop.join_code, "Ana", workshop.ana_key)
    first = drafts.save_draft(shared.actor, "shared", "opening line", "now")
    others = [access.join(workshop.join_code, f"Writer {i}") for i in range(4)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    jobs = [
        ("save_many", (db.url, shared.token, first.draft_id, f"tab {i}", SAVES, barrier))
        for i in range(4)
    ] + [
        ("save_many", (db.url, login.token, None, f"writer {i}", SAVES, barrier))
        for i, login in enumerate(others)
    ]

    results = run_processes(jobs, ctx)

    acked = [save for saves in results for save in saves]
    assert len(acked) == PROCESSES * SAVES
    assert len({version_id for version_id, *_ in acked}) == len(acked)  # no save merged away
    shared_versions = drafts.list_versions(workshop.ana, first.draft_id)
    assert [v.number for v in shared_versions] == list(range(1, 4 * SAVES + 2))
    assert Counter(v.text for v in shared_versions[1:]) == Counter(
        text for _, draft_id, _, text in acked if draft_id == first.draft_id
    )
    by_id = {v.id: v for v in shared_versions}
    for version_id, draft_id, number, text in acked:
        if draft_id == first.draft_id:
            assert (by_id[version_id].number, by_id[version_id].text) == (number, text)
    for login in others:
        [own] = drafts.list_drafts(login.actor)
        numbers = [v.number for v in drafts.list_versions(login.actor, own.id)]
        assert numbers == list(range(1, SAVES + 1))
    with db.read() as session:
        total = session.scalar(
            select(func.count())
            .select_from(DraftVersion)
            .join(Draft)
            .where(Draft.workshop_id == workshop.workshop_id)
        )
    assert total == 1 + PROCESSES * SAVES


@pytest.mark.slow
def test_app_processes_starting_together_share_one_fresh_database(database_url: str) -> None:
    """Four replicas open a brand-new database at once: one migrates, all agree on the owner."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    owners = run_processes([("open_fresh", (database_url, barrier))] * 4, ctx)
    assert len(set(owners)) == 1


def test_a_new_sqlite_file_being_written_by_another_process_is_waited_for(tmp_path) -> None:
    """Switching a brand-new file to WAL while another connection writes it is answered
    "locked" at once (SQLite skips its busy handler there); the app must wait instead."""
    path = tmp_path / "coach.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE someone_elses_migration (x)")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        with Database(f"sqlite:///{path}") as db:
            assert db.integrity_check() == "ok"
    finally:
        release.join()
        other.close()
