"""List the fields two labellers disagreed on, for the third labeller (how T9-T13 were made).

`python disputes.py WORK OUT U10 [U11 ...]`: WORK holds the units (`units/U10/*.txt`) and the
two labels of each (`lab/U10_A/U10_A.jsonl`, `lab/U10_B/U10_B.jsonl`), outside the project.
Writes OUT/tasks.jsonl (`{"id", "fields"}` per disputed text) and copies those texts to
OUT/texts/. The third labeller sees only the guide, the texts and the field names, never the
two labels.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from collect_labels import CRITERIA  # the same folder: run as a script

WHOLE = ("self", "us", "now", "overall", "story_type")


def _labels(path: Path) -> dict[str, dict]:
    rows = (
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    )
    return {row["id"].removesuffix(".txt"): row for row in rows}


def main(work: Path, out: Path, units: list[str]) -> None:
    (out / "texts").mkdir(parents=True, exist_ok=True)
    tasks = []
    for unit in units:
        first = _labels(work / "lab" / f"{unit}_A" / f"{unit}_A.jsonl")
        second = _labels(work / "lab" / f"{unit}_B" / f"{unit}_B.jsonl")
        for ident in sorted(first.keys() & second.keys()):
            a, b = first[ident], second[ident]
            fields = [c for c in CRITERIA if a["labels"][c] != b["labels"][c]]
            fields += [k for k in WHOLE if a[k] != b[k]]
            if fields:
                tasks.append({"id": ident, "fields": fields})
                shutil.copy(work / "units" / unit / f"{ident}.txt", out / "texts")
    with open(out / "tasks.jsonl", "w", encoding="utf-8") as handle:
        for task in tasks:
            handle.write(json.dumps(task) + "\n")
    print(f"{len(tasks)} texts, {sum(len(t['fields']) for t in tasks)} fields")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
