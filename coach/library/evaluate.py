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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import InputError
from coach.library.chunkmeta import CARD_PREFIX
from coach.library.ranker import (
    FEATURES,
    FIT_FEATURES,
    FIT_PERCENTILE,
    STAGE1_SCALE,
    C,
    Ranker,
    corelevance_of,
    design,
    lend,
)
from coach.library.retrieve import Retriever

MRR_DEPTH = 20
#: File names of the held-out check set start with this (``retrieval_questions.jsonl``).
CHECK_SET_STEM = "retrieval_questions."


def load_questions(path: Path) -> list[dict[str, Any]]:
    """``{"question", "relevant"}`` per line, optionally with ``writer``; an empty
    ``relevant`` means no card fits (the library should say so, not answer weakly)."""
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
        found = {"question": question, "relevant": relevant}
        if item.get("writer"):
            found["writer"] = str(item["writer"])
        questions.append(found)
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
    answerable = [q for q in questions if q["relevant"]]
    unanswerable = [q for q in questions if not q["relevant"]]
    figures: dict[str, dict[str, float]] = {}
    misses: list[dict[str, Any]] = []
    for name, (searcher, method) in runs.items():
        recall = hit = reciprocal = 0.0
        for q in answerable:
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
        n = max(len(answerable), 1)
        figures[name] = {
            "recall": round(recall / n, 4),
            "hit": round(hit / n, 4),
            "mrr": round(reciprocal / n, 4),
        }
    report: dict[str, Any] = {
        "n": len(answerable),
        "k": k,
        "fusion": retriever.fusion,
        "cards": len(known),
        "methods": figures,
        "unknown_card_ids": unknown,
        "hybrid_misses": misses,
    }
    if unanswerable or retriever.fusion == "learned":
        report["nothing_fits"] = nothing_fits_figures(retriever, answerable, unanswerable)
    return report


def nothing_fits_figures(
    retriever: Retriever, answerable: list[dict[str, Any]], unanswerable: list[dict[str, Any]]
) -> dict[str, Any]:
    """For questions no card answers: how often the library says nothing fits, and how
    often it says so (wrongly) for the answerable questions of the same file."""

    def said(q: dict[str, Any]) -> bool:
        return not retriever.answer(q["question"], 1, builtin=True).fits

    return {
        "n": len(unanswerable),
        "said_nothing_fits": round(sum(map(said, unanswerable)) / max(len(unanswerable), 1), 4),
        "answerable_said_nothing_fits": round(
            sum(map(said, answerable)) / max(len(answerable), 1), 4
        ),
    }


def _fused_by(retriever: Retriever, fusion: str) -> Retriever:
    return Retriever(retriever.store, retriever.embedder, fusion=fusion)


def card_of(source_id: str) -> str:
    return source_id.removeprefix(CARD_PREFIX)


@dataclass(frozen=True)
class Example:
    """One labelled question's cards: raw ranker features, card ids, which are relevant."""

    raw: np.ndarray
    cards: list[str]
    relevant: np.ndarray
    writer: str


def training_examples(retriever: Retriever, questions: list[dict[str, Any]]) -> list[Example]:
    examples = []
    for q in questions:
        chunks, raw = retriever.ranking_features(q["question"])
        cards = [card_of(c.info.source_id) for c in chunks]
        relevant = np.array([card in set(q["relevant"]) for card in cards], dtype=bool)
        examples.append(Example(raw, cards, relevant, str(q.get("writer", ""))))
    return examples


def fit_ranker(examples: list[Example], c: float = C, **info: Any) -> Ranker:
    """Fit stage one on every question's cards, learn which cards go together from the
    labels, then fit stage two on stage one's in-sample scores (both class-balanced,
    deterministic L-BFGS)."""
    from sklearn.linear_model import LogisticRegression

    usable = [e for e in examples if e.relevant.any()]
    if not usable:
        raise InputError("training needs questions with at least one relevant card")
    x = np.vstack([design(e.raw) for e in usable])
    y = np.concatenate([e.relevant for e in usable])
    if y.all():
        raise InputError("training needs both relevant and irrelevant cards among the candidates")
    first = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(x, y)
    weights, bias = first.coef_[0], float(first.intercept_[0])
    together = corelevance_of(
        [{c for c, r in zip(e.cards, e.relevant, strict=True) if r} for e in usable]
    )
    rows = []
    for e in usable:
        stage1 = design(e.raw) @ weights + bias
        lent = lend(stage1, e.cards, together)
        rows.append(np.hstack([design(e.raw), lent[:, None], stage1[:, None] / STAGE1_SCALE]))
    second = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(np.vstack(rows), y)
    columns = [FEATURES.index(name) for name in FIT_FEATURES]
    best = np.array([e.raw[:, columns].max(axis=0) for e in usable])
    mean, scale = best.mean(axis=0), np.maximum(best.std(axis=0), 1e-9)
    floor = float(np.percentile(((best - mean) / scale).mean(axis=1), FIT_PERCENTILE))
    return Ranker(
        tuple(float(w) for w in weights),
        bias,
        tuple(float(w) for w in second.coef_[0]),
        float(second.intercept_[0]),
        together,
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        floor,
        **info,
    )


def refuse_check_set(files: list[Path]) -> None:
    """The held-out check set (and its second judgement) is never trained on."""
    for path in files:
        if path.name.startswith(CHECK_SET_STEM):
            raise InputError(
                f"{path}: the held-out check set is never trained on; fit on the dev files"
            )


def _load_training(retriever: Retriever, files: list[Path]) -> list[dict[str, Any]]:
    """The questions of ``files``, each with its writer (the file's own ``writer`` field,
    or the file's name); refused if a file is the check set or names unknown cards."""
    refuse_check_set(files)
    retriever.ensure_corpus()
    known = {card_of(r.source_id) for r in retriever.store.sources() if r.builtin}
    questions = []
    for path in files:
        for q in load_questions(path):
            unknown = sorted(set(q["relevant"]) - known)
            if unknown:
                raise InputError(
                    f"{path}: names cards that are not in the corpus at {retriever.corpus_dir} "
                    f"({', '.join(unknown[:5])}); is COACH_CORPUS_DIR pointing elsewhere?"
                )
            questions.append({**q, "writer": q.get("writer") or path.stem})
    return questions


def train_ranker(
    retriever: Retriever, files: list[Path], c: float = C, base: Path | None = None
) -> Ranker:
    """Fit the ranker on every question of ``files`` (names kept relative to ``base``)."""
    questions = _load_training(retriever, files)
    names = tuple(str(p.relative_to(base) if base else p) for p in files)
    return fit_ranker(
        training_examples(retriever, questions), c, trained_on=names, questions=len(questions)
    )


def cross_validate(
    retriever: Retriever, files: list[Path], k: int = 5, c: float = C, held: Path | None = None
) -> list[dict[str, Any]]:
    """For each writer: fit on everyone else's questions, then score this writer's.

    Writers come from each question's ``writer`` field (else its file). With ``held``,
    only that file's writers are held out in turn (the other files always train), so a
    set written by strangers is measured while the older sets only help.
    """
    questions = _load_training(retriever, files)
    examples = training_examples(retriever, questions)
    pool = [q["writer"] for q in questions]
    held_out = sorted(
        {q.get("writer") or held.stem for q in load_questions(held)} if held else set(pool)
    )
    if len(set(pool)) < 2:
        raise InputError("cross-validation needs questions from at least two writers")
    results = []
    for writer in held_out:
        train = [e for e, w in zip(examples, pool, strict=True) if w != writer]
        test = [q for q, w in zip(questions, pool, strict=True) if w == writer]
        ranker = fit_ranker(train, c)
        learned = retriever.with_ranker(ranker)
        report = evaluate(learned, test, k, methods=("hybrid", "hybrid_convex"))
        results.append({"writer": writer, "n": report["n"], "methods": report["methods"]})
    return results


def pooled(results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per method, the question-weighted mean of each writer's figures."""
    total = sum(r["n"] for r in results)
    methods = results[0]["methods"] if results else {}
    return {
        method: {
            metric: round(sum(r["methods"][method][metric] * r["n"] for r in results) / total, 4)
            for metric in methods[method]
        }
        for method in methods
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
