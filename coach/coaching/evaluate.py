"""Measure the coaching plan against trainers' reference plans (``coach eval-coaching``).

A check set is a folder of drafts and a ``plans.jsonl`` of labels (``datasets/coaching``):
per draft the criteria scores, its story type and a trainer's plan (first fix, up to three
fixes, ready or not). Reported: how often the first fix matches the trainer's (exactly, and
counting a whole-draft problem as the criterion it is about), the share of planned steps
aimed at a criterion the labels score 2 (already strong), how many of the ready drafts are
recognised, and how often one coaching sentence recurs across drafts (quoted text removed).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coach.coaching.plan import ISSUE_CRITERION, CoachingPlan
from coach.coaching.planner import Choice, close_call_agreement
from coach.errors import InputError
from coach.scoring.dataset import evidence_indices
from coach.text.draft import make_draft

#: The labels' story types, as the app names them (the writer chooses one in the app).
STORY_TYPES = {
    "full public narrative": "narrative",
    "campaign message": "message",
    "self": "self",
    "us": "us",
    "now": "now",
}
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def load_plans(folder: Path) -> list[dict[str, Any]]:
    path = folder / "plans.jsonl"
    if not path.is_file():
        raise InputError(f"{folder}: no plans.jsonl (a coaching check set has drafts and plans)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        found = list(folder.glob(f"texts/*/{row['id']}.txt")) + list(
            folder.glob(f"texts/{row['id']}.txt")
        )
        if not found:
            raise InputError(f"{folder}: no text for {row['id']}")
        row["text"] = found[0].read_text(encoding="utf-8")
    return rows


def evaluate_plans(
    rows: list[dict[str, Any]], plan_of: Callable[[str, str | None], CoachingPlan]
) -> dict[str, Any]:
    """``plan_of(text, story_type)`` makes a plan; the rows carry the labels."""
    exact = lenient = aimed = strong = 0
    ready_total = ready_found = said_ready = quoted_twice = 0
    sentences: list[set[str]] = []
    per_draft, calls = [], []
    quoted_steps = quoted_as_labelled = 0
    for row in rows:
        plan = plan_of(row["text"], STORY_TYPES.get(row.get("story_type", "")))
        reference = row["plan"]
        first = plan.first_fix
        wanted = reference.get("first_fix") or "none"
        exact += first == wanted
        lenient += _same_fix(plan, wanted)
        for step in plan.steps:
            criterion = step.criterion
            if criterion in row["labels"]:
                aimed += 1
                strong += row["labels"][criterion] == 2
        if reference.get("ready"):
            ready_total += 1
            ready_found += plan.ready
        said_ready += plan.ready
        quoted = [step.evidence[0].text for step in plan.steps if step.evidence]
        quoted_twice += len(set(quoted)) < len(quoted)
        n_steps, n_hits = _quotes_as_labelled(plan, row)
        quoted_steps, quoted_as_labelled = quoted_steps + n_steps, quoted_as_labelled + n_hits
        sentences.append({_template(s) for s in plan.sentences()})
        per_draft.append({"id": row["id"], "first_fix": first, "reference": wanted})
        fixes = tuple(step.id for step in plan.steps)
        calls.append((wanted, Choice(plan.ready, fixes, plan.close_call)))
    n = len(rows)
    counts = Counter(s for found in sentences for s in found)
    worst_sentence, worst = counts.most_common(1)[0] if counts else ("", 0)
    return {
        "n": n,
        "first_fix_exact": round(exact / n, 3),
        "first_fix_same_criterion": round(lenient / n, 3),
        "steps_aimed_at_strong": round(strong / max(aimed, 1), 3),
        "ready_recognised": f"{ready_found}/{ready_total}",
        "said_ready": said_ready,
        "most_repeated_sentence_share": round(worst / n, 3),
        "most_repeated_sentence": worst_sentence,
        "sentences_over_20_percent": sum(1 for c in counts.values() if c > 0.2 * n),
        "plans_quoting_a_sentence_twice": quoted_twice,
        "steps_quoting_a_labelled_sentence": round(quoted_as_labelled / max(quoted_steps, 1), 3),
        **close_call_agreement(calls),
        "drafts": per_draft,
    }


def _quotes_as_labelled(plan: CoachingPlan, row: dict[str, Any]) -> tuple[int, int]:
    """(criterion steps that quote a sentence where the labeller quoted some, how many of
    them quote one the labeller quoted too)."""
    labelled = row.get("evidence") or {}
    sentences = [s.text for s in make_draft(row["text"]).sentences]
    steps = hits = 0
    for step in plan.steps:
        quotes = tuple(labelled.get(step.id) or ())
        if step.kind != "criterion" or not step.evidence or not quotes:
            continue
        gold = evidence_indices(sentences, quotes)
        mine = evidence_indices(sentences, (step.evidence[0].text,))
        steps, hits = steps + 1, hits + bool(gold & mine)
    return steps, hits


def _same_fix(plan: CoachingPlan, wanted: str) -> bool:
    if not plan.steps:
        return wanted == "none"
    first = plan.steps[0]
    return (
        first.id == wanted
        or (first.criterion is not None and first.criterion == wanted)
        or (ISSUE_CRITERION.get(wanted) is not None and ISSUE_CRITERION[wanted] == first.criterion)
    )


def _template(sentence: str) -> str:
    """A sentence with its quotes taken out: what would repeat across drafts."""
    return " ".join(_QUOTED.sub("“…”", sentence).lower().split())
