"""Measure retrieval on a question set: recall@k, hit@k and MRR per method.

A question set is JSON lines ``{"question": "...", "relevant": ["card-id", ...]}``. We
search the built-in cards only (so a user's own sources do not change the numbers) and
rank distinct cards: a long card cut in two chunks still counts once.

recall@k is the share of a question's relevant cards found in the top k, averaged over
questions; hit@k is the share of questions with at least one relevant card in the top k
(what some evaluations call recall@k); MRR uses the first relevant card within 20.

The learned ranker (:mod:`coach.library.ranker`) is fitted here too: :func:`train_ranker` on
question files, :func:`cross_validate` fitting on all files but one and scoring that one,
so each writer's questions are judged by a ranker that never saw them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import InputError
from coach.library.ingest import CARD_PREFIX
from coach.library.ranker import L2, Ranker, fit, normalise
from coach.library.retrieve import Retriever

MRR_DEPTH = 20
#: File names of the held-out check set start with this (``retrieval_questions.jsonl``).
CHECK_SET_STEM = "retrieval_questions."


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


def evaluate(
    retriever: Retriever,
    questions: list[dict[str, Any]],
    k: int = 5,
    methods: tuple[str, ...] = ("hybrid", "hybrid_convex", "hybrid_rrf", "bm25", "vector"),
) -> dict[str, Any]:
    """Scores per method; ``hybrid`` is ``retriever``'s own fusion (the learned one by
    default), ``hybrid_convex`` and ``hybrid_rrf`` the fixed fusions for comparison."""
    retriever.ensure_corpus()
    known = {r.source_id.removeprefix(CARD_PREFIX) for r in retriever.store.sources() if r.builtin}
    unknown = sorted({c for q in questions for c in q["relevant"]} - known)
    every = {
        "hybrid": lambda: (retriever, "hybrid"),
        "hybrid_convex": lambda: (_fused_by(retriever, "convex"), "hybrid"),
        "hybrid_rrf": lambda: (_fused_by(retriever, "rrf"), "hybrid"),
        "bm25": lambda: (retriever, "bm25"),
        "vector": lambda: (retriever, "vector"),
    }
    runs = {name: every[name]() for name in methods}
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


def _fused_by(retriever: Retriever, fusion: str) -> Retriever:
    return Retriever(retriever.store, retriever.embedder, fusion=fusion)


def card_of(source_id: str) -> str:
    return source_id.removeprefix(CARD_PREFIX)


Rows = list[tuple[np.ndarray, np.ndarray, np.ndarray]]


def training_rows(retriever: Retriever, questions: list[dict[str, Any]]) -> Rows:
    """Per question: the raw feature rows of every candidate card, whether each has
    questions, and whether it is relevant."""
    rows = []
    for q in questions:
        chunks, raw, has_questions = retriever.ranking_features(q["question"], builtin=True)
        relevant = set(q["relevant"])
        labels = [card_of(str(c.meta.get("source_id"))) in relevant for c in chunks]
        rows.append((raw, has_questions, np.array(labels, dtype=bool)))
    return rows


def fit_ranker(rows: Rows, l2: float = L2, **info: Any) -> Ranker:
    """Fit the weights on every question's candidate cards, normalised per question as a
    search does."""
    features = np.vstack([normalise(raw[has]) for raw, has, _ in rows])
    labels = np.concatenate([labels[has] for _, has, labels in rows])
    weights, bias = fit(features, labels, l2=l2)
    return Ranker(tuple(float(w) for w in weights), bias, **info)


def refuse_check_set(files: list[Path]) -> None:
    """The held-out check set (and its second judgement) is never trained on."""
    for path in files:
        if path.name.startswith(CHECK_SET_STEM):
            raise InputError(
                f"{path}: the held-out check set is never trained on; fit on the dev files"
            )


def _load_training(retriever: Retriever, files: list[Path]) -> dict[Path, list[dict[str, Any]]]:
    """The question files, refused if one is the check set or names cards not in the corpus."""
    refuse_check_set(files)
    retriever.ensure_corpus()
    known = {card_of(r.source_id) for r in retriever.store.sources() if r.builtin}
    sets = {path: load_questions(path) for path in files}
    for path, questions in sets.items():
        unknown = sorted({c for q in questions for c in q["relevant"]} - known)
        if unknown:
            raise InputError(
                f"{path}: names cards that are not in the corpus at {retriever.corpus_dir} "
                f"({', '.join(unknown[:5])}); is COACH_CORPUS_DIR pointing elsewhere?"
            )
    return sets


def train_ranker(
    retriever: Retriever, files: list[Path], l2: float = L2, base: Path | None = None
) -> Ranker:
    """Fit the ranker on every question of ``files`` (names kept relative to ``base``)."""
    questions = [q for qs in _load_training(retriever, files).values() for q in qs]
    names = tuple(str(p.relative_to(base) if base else p) for p in files)
    return fit_ranker(
        training_rows(retriever, questions), l2=l2, trained_on=names, questions=len(questions)
    )


def cross_validate(
    retriever: Retriever, files: list[Path], k: int = 5, l2: float = L2
) -> list[dict[str, Any]]:
    """For each file: fit on the other files, then score this file's questions with it.

    Each file is one writer's questions, so this asks how the ranker does on people whose
    phrasing and judgement it has not seen.
    """
    if len(files) < 2:
        raise InputError("cross-validation needs at least two question files")
    sets = _load_training(retriever, files)
    rows = {path: training_rows(retriever, questions) for path, questions in sets.items()}
    results = []
    for held in files:
        others = [rows[p] for p in files if p != held]
        ranker = fit_ranker([row for part in others for row in part], l2=l2)
        learned = Retriever(retriever.store, retriever.embedder, fusion="learned", ranker=ranker)
        report = evaluate(learned, sets[held], k, methods=("hybrid", "hybrid_convex"))
        results.append({"file": str(held), "n": report["n"], "methods": report["methods"]})
    return results


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
