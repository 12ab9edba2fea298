"""What an LLM is shown about a draft, and how its answer is recorded with the report.

The app's "coach me" panel and any other caller share these rules: the LLM sees the
stored report with its coaching plan, one cited passage for each step of the plan (what
matters most, in a prompt that fits small local models' context windows) and the draft; the draft's
paragraphs are what "tighten" offers; and a version's report records which prompt answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coach.coaching.feedback import Feedback
from coach.coaching.plan import CoachingPlan
from coach.text.draft import make_draft

TOP_STEPS = 3


@dataclass(frozen=True)
class LLMBrief:
    passages: list[Any]  # the cited passages (Citation) the prompt may quote
    paragraphs: list[str]  # the draft's non-empty paragraphs, in order


def brief_for(feedback: Feedback, text: str, plan: CoachingPlan | None = None) -> LLMBrief:
    """Passages for the plan's steps when there is a plan (what the LLM is asked to work
    on), else for the top three feedback items."""
    if plan is not None and plan.steps:
        passages = [step.citations[0] for step in plan.steps if step.citations]
    else:
        passages = [item.guidance[0] for item in feedback.items[:TOP_STEPS] if item.guidance]
    paragraphs = [text[p.start : p.end].strip() for p in make_draft(text).paragraphs]
    return LLMBrief(passages, [p for p in paragraphs if p])


def report_with_prompt(report: dict[str, Any], prompt_id: str, version: Any) -> tuple[dict, str]:
    """The stored report, marked with the prompt that answered (``id.vN``), and that mark."""
    prompt = f"{prompt_id}.v{version}"
    return {**report, "prompt_version": prompt}, prompt
