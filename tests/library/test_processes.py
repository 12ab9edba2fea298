"""One library shared by real processes: parallel first runs, and a long-running reader."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from environment import child_env
from library_workers import QUESTION, WORKER

#: Every test here starts real interpreters that load the embedding model: seconds each.
pytestmark = pytest.mark.slow

PARALLEL = 6
ROUNDS = 2  # the race hit about every other round before the library took a lock


def first_runs_together(data_dir: Path, corpus_dir: Path) -> list[tuple[int, str, str]]:
    """(exit code, stdout, stderr) of PARALLEL first runs released at the same moment."""
    go = data_dir.with_name(data_dir.name + ".go")
    runs = [
        subprocess.Popen(
            [*WORKER, "first-run", str(data_dir), str(corpus_dir), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        for _ in range(PARALLEL)
    ]
    try:
        for run in runs:
            assert run.stdout.readline().strip() == "ready", run.stderr.read()
        go.touch()
        outputs = [run.communicate(timeout=120) for run in runs]
    finally:
        for run in runs:
            run.kill()
    return [(run.returncode, out, err) for run, (out, err) in zip(runs, outputs, strict=True)]


def test_parallel_first_runs_on_a_fresh_data_dir_all_succeed(tmp_path, card_dir):
    """Six 'coach score' runs started together used to fail: tables or ids created twice,
    or a process whose vector index missed cards another process had just indexed."""
    for round_no in range(ROUNDS):
        runs = first_runs_together(tmp_path / f"data-{round_no}", card_dir.parent)
        assert [err for code, _, err in runs if code] == []
        results = {out.strip() for _, out, _ in runs}
        assert len(results) == 1  # every process found the same passages
        assert json.loads(results.pop()) == [
            "card:ask-one-thing",
            "card:tell-the-moment",
            "card:hope-with-a-path",
        ]


def test_vectors_added_by_another_process_are_found(retriever, write, settings):
    """Embedded Chroma keeps each process's vector index in memory; the store reopens."""
    assert retriever.search(QUESTION, k=3, method="vector")  # this process's index is loaded
    notes = write("won.txt", "We won the parking fight after forty neighbours wrote in.")
    done = subprocess.run(
        [*WORKER, "ingest", str(settings.data_dir), str(notes)],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
    )
    assert done.stdout.strip() == "added", done.stderr
    (bm25,) = retriever.search("parking fight neighbours", k=1, method="bm25", builtin=False)
    (vector,) = retriever.search("parking fight neighbours", k=1, method="vector", builtin=False)
    assert bm25.source_id == vector.source_id == "won.txt"


def test_a_search_right_after_another_process_removed_a_source(store, ingester, write, settings):
    """The in-memory index still holds the removed chunks; the store reopens and retries."""
    ingester.ingest(write("won.txt", "We won the parking fight after forty neighbours wrote in."))
    ingester.ingest(write("plan.txt", "Next we ask the council for a crossing by the school."))
    (vector,) = ingester.embedder.embed(["parking fight"])
    assert store.query(vector, 2)[0][0].meta["source_id"] == "won.txt"
    done = subprocess.run(
        [*WORKER, "remove", str(settings.data_dir), "won.txt"],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
    )
    assert done.stdout.strip() == "won.txt", done.stderr
    assert [c.meta["source_id"] for c, _ in store.query(vector, 2)] == ["plan.txt"]
