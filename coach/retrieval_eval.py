"""Measure retrieval on a question set: recall@k, hit@k and MRR per method.

A question set is JSON lines ``{"question": "...", "relevant": ["card-id", ...]}``. We
search the built-in cards only (so a user's own sources do not change the numbers) and
rank distinct cards: a long card cut in two chunks still counts once.

recall@k is the share of a question's relevant cards found in the top k, averaged over
questions; hit@k is the share of questions with at least one relevant card in the top k
(what some evaluations call recall@k); MRR uses the first relevant card within 20.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coach.errors import InputError
from coach.ingest import CARD_PREFIX
from coach.retrieve import Retriever

MRR_DEPTH = 20


def load_questions(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise InputError(f"{path}: no such question file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (a JSON lines file is expected): {exc}") from exc
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question, relevant = str(item["question"]), [str(r) for r in item["relevant"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}: expected {{question, relevant}}: {exc}") from exc
        if not relevant:
            raise InputError(f"{path}:{number}: 'relevant' is empty")
        questions.append({"question": question, "relevant": relevant})
    if not questions:
        raise InputError(f"{path}: no questions")
    return questions


def ranked_cards(retriever: Retriever, question: str, method: str, depth: int) -> list[str]:
    """Distinct card ids, best first."""
    cards: list[str] = []
    for passage in retriever.search(question, depth * 3, builtin=True, method=method):
        card = passage.source_id.removeprefix(CARD_PREFIX)
        if card not in cards:
            cards.append(card)
    return cards[:depth]


def evaluate(retriever: Retriever, questions: list[dict[str, Any]], k: int = 5) -> dict[str, Any]:
    retriever.ensure_corpus()
    known = {r.source_id.removeprefix(CARD_PREFIX) for r in retriever.store.sources() if r.builtin}
    unknown = sorted({c for q in questions for c in q["relevant"]} - known)
    rrf = Retriever(retriever.store, retriever.embedder, fusion="rrf")
    runs = {
        "hybrid": (retriever, "hybrid"),
        "hybrid_rrf": (rrf, "hybrid"),
        "bm25": (retriever, "bm25"),
        "vector": (retriever, "vector"),
    }
    methods: dict[str, dict[str, float]] = {}
    misses: list[dict[str, Any]] = []
    for name, (searcher, method) in runs.items():
        recall = hit = reciprocal = 0.0
        for q in questions:
            ranking = ranked_cards(searcher, q["question"], method, max(k, MRR_DEPTH))
            relevant = set(q["relevant"])
            top = ranking[:k]
            found = relevant & set(top)
            recall += len(found) / len(relevant)
            hit += 1.0 if found else 0.0
            first = next((i for i, c in enumerate(ranking, 1) if c in relevant), None)
            reciprocal += 1.0 / first if first else 0.0
            if name == "hybrid" and found != relevant:
                misses.append({"question": q["question"], "relevant": q["relevant"], "top": top})
        n = len(questions)
        methods[name] = {
            "recall": round(recall / n, 4),
            "hit": round(hit / n, 4),
            "mrr": round(reciprocal / n, 4),
        }
    return {
        "n": len(questions),
        "k": k,
        "fusion": retriever.fusion,
        "cards": len(known),
        "methods": methods,
        "unknown_card_ids": unknown,
        "hybrid_misses": misses,
    }


def compare_assessors(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """How far two people who judged the same questions agree, and the cards both chose.

    ``second_recall`` is the share of the first assessor's cards the second also chose —
    the recall a careful human reaches against these labels, a ceiling worth knowing
    before asking a retriever for more. Returns the agreement figures and the questions
    relevance-judged by both (questions where they share no card are left out).
    """
    if [q["question"] for q in first] != [q["question"] for q in second]:
        raise InputError("the two assessors' files must hold the same questions in the same order")
    recall = exact = overlap = 0.0
    agreed: list[dict[str, Any]] = []
    for a, b in zip(first, second, strict=True):
        shared = [card for card in a["relevant"] if card in b["relevant"]]
        recall += len(shared) / len(a["relevant"])
        exact += set(a["relevant"]) == set(b["relevant"])
        overlap += bool(shared)
        if shared:
            agreed.append({"question": a["question"], "relevant": shared})
    n = len(first)
    figures = {
        "n": n,
        "first_cards_per_question": round(sum(len(q["relevant"]) for q in first) / n, 2),
        "second_cards_per_question": round(sum(len(q["relevant"]) for q in second) / n, 2),
        "second_recall": round(recall / n, 4),
        "identical": round(exact / n, 4),
        "any_shared": round(overlap / n, 4),
    }
    return figures, agreed
