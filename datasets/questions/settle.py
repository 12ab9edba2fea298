"""Settle the two labellers' card judgements into one relevant set per question (run once).

Each question was labelled by two labellers who saw only the cards and the questions:
grade 2 (answers it) or 1 (useful alongside) for every card a coach would point to. A card
is relevant when its two grades add up to at least 2 — one labeller's "answers it", or
both labellers' "useful" — so one labeller's passing "useful" does not count. Agreement
between the labellers is printed: it is the ceiling for any ranker.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
UNITS = {"A": ("q1", "q2", "q3"), "B": ("q4", "q5", "q6")}


def load(path: Path) -> dict[str, dict[str, int]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {row["id"]: {card: int(grade) for card, grade in row["relevant"].items()} for row in rows}


def main() -> None:
    questions = [
        json.loads(line) for line in (HERE / "questions.jsonl").read_text().splitlines() if line
    ]
    first, second = {}, {}
    for unit in UNITS:
        first.update(load(HERE / "labelling" / f"labels-{unit}-L1.jsonl"))
        second.update(load(HERE / "labelling" / f"labels-{unit}-L2.jsonl"))
    settled, jaccard, top_agree = [], [], []
    for question in questions:
        a, b = first[question["id"]], second[question["id"]]
        cards = set(a) | set(b)
        grades = {card: a.get(card, 0) + b.get(card, 0) for card in sorted(cards)}
        relevant = sorted((c for c, g in grades.items() if g >= 2), key=lambda c: (-grades[c], c))
        settled.append({**question, "relevant": relevant, "grades": grades})
        jaccard.append(len(set(a) & set(b)) / len(cards) if cards else 1.0)
        best_a = {c for c, g in a.items() if g == 2}
        best_b = {c for c, g in b.items() if g == 2}
        top_agree.append(bool(best_a & best_b) or (not best_a and not best_b))
    out = HERE / "questions.settled.jsonl"
    out.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in settled))
    n = len(settled)
    print(f"{n} questions; mean relevant cards {sum(len(q['relevant']) for q in settled) / n:.2f}")
    print(f"labeller agreement: mean Jaccard {sum(jaccard) / n:.2f}, "
          f"share agreeing on a grade-2 card {sum(top_agree) / n:.2f}")
    print(f"questions with no relevant card: {sum(1 for q in settled if not q['relevant'])}")


if __name__ == "__main__":
    main()
