"""Gather the labellers' files into labels/{first,second,third}.jsonl (run after labelling).

Each unit of texts was labelled by two labellers working apart (``U<n>_A`` and ``U<n>_B``);
A-labels go to first.jsonl and B-labels to second.jsonl, each row marked with its labeller.
Rows are checked: every criterion 0-2, booleans, overall 1-5, a known story type. The third
labellers' files (``T<n>.jsonl``: only the disputed fields of a text) go to third.jsonl.
Rows already in the label files are kept (round 1's source files are not in the project), so
a later round adds to them; a text labelled again in the source replaces its old row.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
CRITERIA = (
    "challenge",
    "choice",
    "outcome",
    "hope",
    "call_to_action",
    "values",
    "specificity",
    "urgency",
)
TYPES = {"full public narrative", "self", "us", "now", "campaign message", "non-narrative"}


def valid(row: dict) -> bool:
    try:
        return (
            all(row["labels"][c] in (0, 1, 2) for c in CRITERIA)
            and all(isinstance(row[k], bool) for k in ("self", "us", "now"))
            and row["overall"] in (1, 2, 3, 4, 5)
            and row["story_type"] in TYPES
        )
    except (KeyError, TypeError):
        return False


def main(source: Path) -> None:
    texts = {p.stem for p in (HERE / "texts").glob("*/*.txt")}
    for side, name in (("A", "first"), ("B", "second")):
        rows = _existing(name)
        for path in sorted(source.glob(f"U*_{side}.jsonl")):
            labeller = path.stem.replace("_", "-")
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                row = json.loads(line)
                row["id"] = row["id"].removesuffix(".txt")
                if row["id"] in texts and valid(row):
                    rows[row["id"]] = {"labeller": labeller, **row}
                else:
                    print(f"skipped {labeller} {row.get('id')}", file=sys.stderr)
        _write(name, rows)
    third = _existing("third")
    for path in sorted(source.glob("T*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["id"] = row["id"].removesuffix(".txt")
                if row["id"] in texts:
                    third[row["id"]] = {"labeller": path.stem, **row}
    _write("third", third)


def _existing(name: str) -> dict[str, dict]:
    path = HERE / "labels" / f"{name}.jsonl"
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {row["id"]: row for row in map(json.loads, filter(str.strip, lines))}


def _write(name: str, rows: dict[str, dict]) -> None:
    with open(HERE / "labels" / f"{name}.jsonl", "w", encoding="utf-8") as handle:
        for ident in sorted(rows):
            handle.write(json.dumps(rows[ident], ensure_ascii=False) + "\n")
    print(name, len(rows))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
