"""Deal the corpus into labelling batches (two passes, different shuffles; run once).

Why two shuffles: each text gets two labellers, and no two labellers share the same set of
texts, so a labeller's habits are not confounded with one writer's. Batches are copied
outside the dataset folder so a labeller sees only texts, never briefs or other labels.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(out: Path, batches: int = 7) -> None:
    texts = sorted((HERE / "texts").glob("*/*.txt"))
    for index, name in enumerate(["A", "B"]):
        rng = random.Random(77 + index)
        order = texts[:]
        rng.shuffle(order)
        for batch in range(batches):
            folder = out / f"{name}{batch + 1}"
            folder.mkdir(parents=True, exist_ok=True)
            for path in order[batch::batches]:
                shutil.copy(path, folder / path.name)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
