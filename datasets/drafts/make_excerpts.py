"""Cut the presidential-speech excerpts for the draft corpus (run once; the output is committed).

Why: real rhetoric nobody on the project wrote. Excerpts are whole paragraphs, 150-600 words,
from speeches chosen with a fixed seed across the whole period, so old and new styles both appear.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).parent
SPEECHES = HERE.parents[2] / "shared" / "corpora" / "presidential-speeches" / "data"
# 48 in round 1, 40 more in round 2, 160 more in rounds 3 and 4 each; the seeded draw keeps the
# earlier ones as they were.
COUNT = 408


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def excerpt(rng: random.Random, body: list[str]) -> str | None:
    """Whole paragraphs from a random start until 150-600 words are reached."""
    for _ in range(20):
        start = rng.randrange(len(body))
        target = rng.randint(180, 520)
        chosen, words = [], 0
        for para in body[start:]:
            n = len(para.split())
            if words + n > 600:
                break
            chosen.append(para)
            words += n
            if words >= target:
                break
        if 150 <= words <= 600:
            return "\n\n".join(chosen)
    return None


def main() -> None:
    rng = random.Random(4242)
    files = sorted(SPEECHES.glob("*.txt"))
    out = HERE / "texts" / "presidential"
    out.mkdir(parents=True, exist_ok=True)
    rows, used = [], set()
    while len(rows) < COUNT:
        path = rng.choice(files)
        if path.name in used:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        president = lines[0].removeprefix("President:").strip()
        body = paragraphs("\n".join(lines[1:]))
        text = excerpt(rng, body)
        if text is None:
            continue
        used.add(path.name)
        ident = f"pres_{len(rows) + 1:03d}"
        (out / f"{ident}.txt").write_text(text + "\n", encoding="utf-8")
        rows.append(
            {
                "id": ident,
                "writer": "presidential",
                "language": "en",
                "kind": "speech",
                "source": f"{path.name} ({president})",
                "words": len(text.split()),
            }
        )
    with open(HERE / "briefs" / "presidential.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
