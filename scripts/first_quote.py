"""Is the first sentence quoted for a criterion one the labeller quoted? (prints numbers)

    python scripts/first_quote.py                      # the 60 held-out coaching drafts
    python scripts/first_quote.py path/to/check-set    # any folder with texts and plans.jsonl

A plan step, the LLM brief and the first underline a writer reads all use a criterion's first
evidence sentence. This scores each draft with the shipped weights and counts, for every
criterion scored 1 or 2 where the labeller quoted something, whether the first sentence is
one of the labeller's: as listed (strongest first) and, for comparison, the earliest of the
same sentences (what was quoted until session 16; docs/scoring.md).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.coaching.evaluate import load_plans  # noqa: E402
from coach.scoring.dataset import evidence_indices  # noqa: E402
from coach.scoring.pipeline import score_text  # noqa: E402
from coach.services import build_services  # noqa: E402
from coach.settings import Settings  # noqa: E402
from coach.text.draft import make_draft  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "datasets" / "coaching")
    args = parser.parse_args()
    scorer = build_services(Settings()).scorer
    counted, listed, earliest = Counter(), Counter(), Counter()
    for row in load_plans(args.folder):
        report = score_text(row["text"], scorer)
        sentences = [s.text for s in make_draft(row["text"]).sentences]
        for criterion in report.criteria:
            quotes = tuple((row.get("evidence") or {}).get(criterion.id) or ())
            gold = evidence_indices(sentences, quotes)
            if not gold or not criterion.evidence or criterion.score == 0:
                continue
            first = criterion.evidence[0]
            early = min(criterion.evidence, key=lambda e: e.start)
            for key in ("all", f"scored {criterion.score}"):
                counted[key] += 1
                listed[key] += bool(evidence_indices(sentences, (first.text,)) & gold)
                earliest[key] += bool(evidence_indices(sentences, (early.text,)) & gold)
    print(f"first quote is the labeller's ({args.folder}):  as listed   earliest")
    for key in sorted(counted):
        n = counted[key]
        shares = f"{listed[key] / n:.3f}      {earliest[key] / n:.3f}"
        print(f"  {key:<12} {n:4d} criteria          {shares}")


if __name__ == "__main__":
    main()
