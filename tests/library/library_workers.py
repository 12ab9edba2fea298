"""Child processes for the library tests: real interpreters sharing one data directory.

    python library_workers.py first-run DATA_DIR CORPUS_DIR GO_FILE
    python library_workers.py ingest DATA_DIR FILE
    python library_workers.py remove DATA_DIR SOURCE_ID

``first-run`` is what ``coach score`` does on a fresh data directory: open the library,
index the built-in cards on first use, search. It loads the model, prints ``ready`` and
waits for GO_FILE, so the test can release all processes at the same moment.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from coach.library.ingest import Ingester  # noqa: E402
from coach.library.retrieve import Retriever  # noqa: E402
from coach.library.store import Store  # noqa: E402
from coach.settings import Settings  # noqa: E402
from coach.text.embeddings import Embedder  # noqa: E402

HERE = Path(__file__).resolve().parent
WORKER = [sys.executable, str(HERE / "library_workers.py")]
QUESTION = "what should I ask people to do at the end?"


def first_run(data_dir: str, corpus_dir: str, go_file: str) -> None:
    embedder = Embedder()
    embedder.embed(["warm up"])
    print("ready", flush=True)
    while not Path(go_file).exists():
        time.sleep(0.002)
    settings = Settings(data_dir=Path(data_dir), corpus_dir=Path(corpus_dir))
    retriever = Retriever.from_settings(settings, embedder)
    found = retriever.search(QUESTION, k=3, method="vector")
    print(json.dumps([p.source_id for p in found]), flush=True)


def ingest(data_dir: str, file: str) -> None:
    embedder = Embedder()
    store = Store.open(Settings(data_dir=Path(data_dir)), embedder.model_id, embedder.dimension)
    print(Ingester(store, embedder).ingest(Path(file)).status, flush=True)


def remove(data_dir: str, source_id: str) -> None:
    embedder = Embedder()
    store = Store.open(Settings(data_dir=Path(data_dir)), embedder.model_id, embedder.dimension)
    print(Ingester(store, embedder).remove(source_id).source_id, flush=True)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"first-run": first_run, "ingest": ingest, "remove": remove}[command](*arguments)
