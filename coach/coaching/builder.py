"""Guided story builder: questions per story type -> a draft in the writer's own words.

The questions live in ``coach/data/builder.yaml``. Assembly only joins the writer's
answers as paragraphs in the story's order: we never put words in their mouth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from coach.coaching.plan import CoachingPlan, PlanStep
from coach.errors import InputError

QUESTIONS_FILE = Path(__file__).parent.parent / "data" / "builder.yaml"


@dataclass(frozen=True)
class Question:
    id: str
    criterion: str
    prompt: str
    hint: str


@lru_cache(maxsize=4)
def _load(path: Path = QUESTIONS_FILE) -> tuple[dict[str, Question], dict[str, tuple[str, ...]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = {qid: Question(qid, **spec) for qid, spec in data["questions"].items()}
    sequences = {kind: tuple(ids) for kind, ids in data["story_types"].items()}
    for kind, ids in sequences.items():
        unknown = [qid for qid in ids if qid not in questions]
        if unknown:
            raise InputError(f"{path}: story type '{kind}' names unknown questions {unknown}")
    return questions, sequences


def story_types() -> tuple[str, ...]:
    return tuple(_load()[1])


def questions_for(story_type: str) -> tuple[Question, ...]:
    """The questions for a story type, in the order the story is told."""
    questions, sequences = _load()
    if story_type not in sequences:
        raise InputError(f"unknown story type '{story_type}'; choose one of {', '.join(sequences)}")
    return tuple(questions[qid] for qid in sequences[story_type])


def assemble(story_type: str, answers: dict[str, str]) -> str:
    """Join the answered questions as paragraphs, in story order; blank answers are skipped."""
    paragraphs = [
        answers[q.id].strip()
        for q in questions_for(story_type)
        if (answers.get(q.id) or "").strip()
    ]
    return "\n\n".join(paragraphs)


def progress(story_type: str, answers: dict[str, str]) -> tuple[int, int]:
    """How many of the story type's questions have an answer."""
    items = questions_for(story_type)
    return sum(1 for q in items if (answers.get(q.id) or "").strip()), len(items)


#: Whole-draft problems that one builder question is about (by the question's criterion).
_ISSUE_QUESTION = {"no_us": "link_self_us"}


@dataclass(frozen=True)
class Suggestion:
    """A plan step the builder can act on: the question whose answer it is about."""

    question: Question
    number: int  # the question's place in the builder, from 1
    step: PlanStep


def suggestions(story_type: str, plan: CoachingPlan) -> tuple[Suggestion, ...]:
    """The plan's steps that concern a question the builder asked for this story type, so the
    builder never suggests what it did not ask about (a story of self is asked four
    questions; a step about its ask or its hope is left to Write & score)."""
    asked = {q.criterion: (n, q) for n, q in enumerate(questions_for(story_type), 1)}
    found = []
    for step in plan.steps:
        about = step.criterion or _ISSUE_QUESTION.get(step.id)
        if about in asked:
            number, question = asked[about]
            found.append(Suggestion(question, number, step))
    return tuple(found)
