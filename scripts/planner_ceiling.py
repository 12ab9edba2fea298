"""How far a perfect scorer would take the coaching planner (prints numbers).

    python scripts/planner_ceiling.py --cache-dir /path/to/cache

Cross-validates the planner by writer over the trainers' plans twice, with the same code as
``coach train-planner --cross-validate``: once on the scorer's out-of-fold reports (what ships),
once on the same reports with the labellers' settled levels, story parts and overall in place
of the scorer's. The gap is what the scorer's errors cost the first fix; the second figure is
what the planner's own choice reaches (docs/coaching.md, session 15). Also prints the most
frequent disagreements with the trainers when the levels are perfect.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.cli.planner import cached_reports  # noqa: E402
from coach.coaching.plan_training import (  # noqa: E402
    cross_validate_planner,
    load_trainer_plans,
    plan_agreement,
    plan_examples,
)
from coach.report import Report  # noqa: E402
from coach.scoring.dataset import load_corpus  # noqa: E402
from coach.scoring.rubric import load_rubric  # noqa: E402
from coach.settings import Settings  # noqa: E402


def with_labels(report: Report, item) -> Report:
    """The report as a scorer that agrees with the labellers on everything would write it."""
    data = copy.deepcopy(report.to_dict())  # to_dict shares the extra mapping
    scorer = data["extra"]["scorer"]
    for criterion in data["criteria"]:
        if criterion["id"] in item.labels:
            level = int(item.labels[criterion["id"]])
            criterion["score"], criterion["confidence"] = level, 1.0
            scorer["probabilities"][criterion["id"]] = [float(i == level) for i in range(3)]
    data["components"] = {k: bool(item.components[k]) for k in data["components"]}
    scorer["overall_1_to_5"] = float(item.overall)
    return Report.from_dict(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "datasets" / "drafts")
    parser.add_argument("--cache-dir", type=Path, default=Settings().data_dir / "cache")
    args = parser.parse_args()
    drafts = load_corpus(args.corpus)
    by_id = {d.id: d for d in drafts}
    plans = load_trainer_plans(args.corpus)
    reports = cached_reports(drafts, args.cache_dir)
    rubric = load_rubric(None)
    perfect = {key: with_labels(report, by_id[key]) for key, report in reports.items()}
    for name, source in (("scorer's out-of-fold reports", reports), ("labellers' levels", perfect)):
        examples = plan_examples(plans, source, by_id, rubric)
        chosen = cross_validate_planner(examples)
        result = plan_agreement(examples, chosen)
        print(
            f"{name}: first fix {result['first_fix_exact']:.3f}, steps at label 2 "
            f"{result['steps_aimed_at_strong']:.3f}, ready {result['ready_recognised']} "
            f"({result['said_ready']} called), {result['n']} plans"
        )
    missed = Counter()
    for example, choice in zip(examples, chosen, strict=True):
        first = choice.fixes[0] if choice.fixes else "none"
        if first != example.first_fix:
            level = example.labels.get
            missed[
                (example.first_fix, level(example.first_fix, "-"), first, level(first, "-"))
            ] += 1
    print("most frequent disagreements with perfect levels (trainer, its label, planner, label):")
    for (trainer, t_level, planner, p_level), count in missed.most_common(8):
        print(f"  {count:3d}  {trainer} ({t_level}) vs {planner} ({p_level})")


if __name__ == "__main__":
    main()
