"""Deal finished texts into a labelling unit (how the 8 units of labels/ were made).

Run as writers finished: `python deal_units.py OUT/U3 55` copies up to 55 texts that no unit
holds yet (finished more than 90 s ago, so no half-written file), shuffled so a unit mixes
writers, into a folder outside the project that two labellers then read. Which unit a text
was in is recorded in its label rows (`labeller: U3-A`, `U3-B`).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(unit: Path, size: int) -> None:
    state = unit.parent / "assigned.json"
    assigned = set(json.loads(state.read_text())) if state.exists() else set()
    now = time.time()
    ready = [
        p
        for p in sorted((HERE / "texts").glob("*/*.txt"))
        if p.stem not in assigned and now - p.stat().st_mtime > 90 and p.stat().st_size > 0
    ]
    random.Random(len(assigned)).shuffle(ready)
    unit.mkdir(parents=True)
    for path in ready[:size]:
        shutil.copy(path, unit / path.name)
        assigned.add(path.stem)
    state.write_text(json.dumps(sorted(assigned)))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
