"""Optional LLM coaching services: coach me, suggest a stronger ask, tighten a paragraph.

Each answer is an :class:`LLMSuggestion` shown *beside* the person's text, never written over it,
and it records the prompt template and version that produced it. The LLM never sets scores: it
reads the scorer's report as text, and nothing here returns or changes a score.

The report is taken as the scorer's plain JSON dict and passages as any objects or dicts with
``text``, ``title``/``source`` and ``locator``, so this module depends on neither.

Answers are plain text. Show them with ``st.text`` or ``st.markdown(escape_markdown(text))``:
model output can echo the draft, and rendered Markdown links or images could leak data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from coach.coaching.llm import ChatLLM
from coach.coaching.prompts import ChatMessage, PromptLibrary, RenderedPrompt
from coach.errors import InputError, ServiceError
from coach.settings import Settings
from coach.text.markup import escape_markdown  # noqa: F401 — re-exported for callers

MAX_DRAFT_CHARS = 12_000
MAX_PASSAGES = 5
MAX_PASSAGE_CHARS = 800
MAX_HISTORY_MESSAGES = 6
TRUNCATED = "\n[... truncated ...]"


@dataclass(frozen=True)
class LLMSuggestion:
    """Text from the LLM plus what produced it. Deliberately has no score field."""

    text: str
    prompt_id: str
    prompt_version: int
    model: str

    def to_dict(self) -> dict[str, Any]:
        """The form stored beside a Report, so an export says which prompt version was used."""
        return {
            "text": self.text,
            "prompt_id": self.prompt_id,
            "prompt_version": self.prompt_version,
            "model": self.model,
        }


class SuggestionStream:
    """Iterate for text chunks (e.g. ``st.write_stream``); then ``suggestion()`` has the whole."""

    def __init__(self, chunks: Iterator[str], prompt: RenderedPrompt, model: str) -> None:
        self._chunks = chunks
        self.prompt = prompt
        self.model = model
        self._parts: list[str] = []
        self._finished = False

    def __iter__(self) -> Iterator[str]:
        for chunk in self._chunks:
            self._parts.append(chunk)
            yield chunk
        self._finished = True

    @property
    def text_so_far(self) -> str:
        return "".join(self._parts)

    def suggestion(self) -> LLMSuggestion:
        if not self._finished:
            raise RuntimeError("the stream has not been read to the end")
        return LLMSuggestion(
            self.text_so_far, self.prompt.template_id, self.prompt.version, self.model
        )


class LLMCoach:
    """The three coaching services over one chat adapter and the prompt library."""

    def __init__(self, llm: ChatLLM, prompts: PromptLibrary) -> None:
        self.llm = llm
        self.prompts = prompts

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMCoach:
        """Raises ServiceError when no LLM is configured, so ``with_fallback`` can catch it."""
        return cls(ChatLLM.from_settings(settings), PromptLibrary(settings.prompts_dir))

    # -- prompt assembly (pure; unit-tested with a fake model) ---------------------------------

    def coach_me_prompt(
        self,
        report: Mapping[str, Any],
        passages: Sequence[Any],
        draft_text: str,
        question: str,
    ) -> RenderedPrompt:
        return self.prompts.get("coach_chat").render(
            report=format_report(report),
            passages=format_passages(passages),
            draft=_clip(draft_text, MAX_DRAFT_CHARS),
            question=question.strip() or "How can I make this story stronger?",
        )

    def suggest_ask_prompt(
        self, report: Mapping[str, Any], passages: Sequence[Any], draft_text: str
    ) -> RenderedPrompt:
        return self.prompts.get("suggest_ask").render(
            report=format_report(report),
            passages=format_passages(passages),
            draft=_clip(draft_text, MAX_DRAFT_CHARS),
        )

    def tighten_prompt(self, paragraph: str) -> RenderedPrompt:
        if not paragraph.strip():
            raise InputError("There is no paragraph to tighten: select some text first.")
        return self.prompts.get("tighten_paragraph").render(paragraph=paragraph.strip())

    # -- services ------------------------------------------------------------------------------

    def coach_me(
        self,
        report: Mapping[str, Any],
        passages: Sequence[Any],
        draft_text: str,
        history: Sequence[Any],
        question: str,
    ) -> LLMSuggestion:
        prompt = self.coach_me_prompt(report, passages, draft_text, question)
        return self._complete(prompt, history_messages(history))

    def stream_coach_me(
        self,
        report: Mapping[str, Any],
        passages: Sequence[Any],
        draft_text: str,
        history: Sequence[Any],
        question: str,
    ) -> SuggestionStream:
        prompt = self.coach_me_prompt(report, passages, draft_text, question)
        return self._stream(prompt, history_messages(history))

    def suggest_stronger_ask(
        self, report: Mapping[str, Any], passages: Sequence[Any], draft_text: str
    ) -> LLMSuggestion:
        return self._complete(self.suggest_ask_prompt(report, passages, draft_text))

    def stream_stronger_ask(
        self, report: Mapping[str, Any], passages: Sequence[Any], draft_text: str
    ) -> SuggestionStream:
        return self._stream(self.suggest_ask_prompt(report, passages, draft_text))

    def tighten_paragraph(self, paragraph: str) -> LLMSuggestion:
        return self._complete(self.tighten_prompt(paragraph))

    def stream_tighten_paragraph(self, paragraph: str) -> SuggestionStream:
        return self._stream(self.tighten_prompt(paragraph))

    def _complete(
        self, prompt: RenderedPrompt, history: tuple[ChatMessage, ...] = ()
    ) -> LLMSuggestion:
        text = self.llm.complete(prompt.messages(history), max_tokens=prompt.max_tokens)
        return LLMSuggestion(text.strip(), prompt.template_id, prompt.version, self.llm.model_name)

    def _stream(
        self, prompt: RenderedPrompt, history: tuple[ChatMessage, ...] = ()
    ) -> SuggestionStream:
        chunks = self.llm.stream(prompt.messages(history), max_tokens=prompt.max_tokens)
        return SuggestionStream(chunks, prompt, self.llm.model_name)


# -- fallback to the rule-based coach ----------------------------------------------------------


@dataclass(frozen=True)
class CoachAnswer:
    """What to show: the LLM's suggestion, or the rule-based text and why the LLM did not answer."""

    text: str
    source: Literal["llm", "rules"]
    suggestion: LLMSuggestion | None = None
    llm_error: str | None = None
    partial_llm_text: str = ""  # what arrived before a stream broke, if anything


def with_fallback(ask: Callable[[], LLMSuggestion], rule_based_text: str) -> CoachAnswer:
    """Run one LLM request; on ServiceError answer with the rule-based text and the reason."""
    try:
        suggestion = ask()
    except ServiceError as exc:
        return CoachAnswer(rule_based_text, "rules", llm_error=str(exc))
    return CoachAnswer(suggestion.text, "llm", suggestion=suggestion)


@dataclass
class FallbackStream:
    """Stream an LLM answer; if it fails, even mid-way, stop quietly; ``answer()`` falls back."""

    open_stream: Callable[[], SuggestionStream]
    rule_based_text: str
    _stream: SuggestionStream | None = field(default=None, init=False)
    _error: str | None = field(default=None, init=False)

    def __iter__(self) -> Iterator[str]:
        try:
            self._stream = self.open_stream()
            yield from self._stream
        except ServiceError as exc:
            self._error = str(exc)

    def answer(self) -> CoachAnswer:
        partial = self._stream.text_so_far if self._stream else ""
        if self._error is not None or self._stream is None:
            reason = self._error or "The LLM request was not started."
            return CoachAnswer(
                self.rule_based_text, "rules", llm_error=reason, partial_llm_text=partial
            )
        suggestion = self._stream.suggestion()
        return CoachAnswer(suggestion.text, "llm", suggestion=suggestion)


# -- turning the report, passages and history into prompt text --------------------------------


def format_report(report: Mapping[str, Any]) -> str:
    """The scorer's JSON as short text: scores, feedback and quoted evidence per criterion."""
    lines = [
        f"Story type: {report.get('story_type', 'unknown')}",
        f"Overall: {_overall(report.get('overall'))}",
    ]
    for criterion in report.get("criteria") or ():
        name = criterion.get("name") or criterion.get("id", "?")
        lines.append(f"- {name}: {criterion.get('score', '?')}/{criterion.get('max', '?')}")
        if feedback := str(criterion.get("feedback") or "").strip():
            lines.append(f"  Feedback: {feedback}")
        for evidence in (criterion.get("evidence") or ())[:2]:
            if quote := str(evidence.get("text") or "").strip():
                lines.append(f'  Evidence: "{_clip(quote, 240)}"')
    lines += format_plan((report.get("coaching") or {}).get("plan"))
    return "\n".join(lines)


def format_plan(plan: Mapping[str, Any] | None) -> list[str]:
    """The offline coach's plan, which the LLM is asked to follow and is checked against."""
    if not plan:
        return []
    if plan.get("ready"):
        return ["Coaching plan: READY — " + str(plan.get("rehearse") or "rehearse it aloud.")]
    lines = ["Coaching plan (work on these, in this order):"]
    for number, step in enumerate(plan.get("steps") or (), 1):
        lines.append(f"{number}. {step.get('id')} ({step.get('problem')}): {step.get('move')}")
        for evidence in (step.get("evidence") or ())[:1]:
            if quote := str(evidence.get("text") or "").strip():
                lines.append(f'   About: "{_clip(quote, 240)}"')
    if alternative := (plan.get("close_call") or {}).get("alternative"):
        lines.append(f"(A close call: a trainer might start with {alternative}; step 1 leads.)")
    return lines


@dataclass(frozen=True)
class PlanCheck:
    """How an LLM answer sits with the offline plan: shown beside the answer, never hidden."""

    on_plan: bool  # it speaks to the plan's first fix (or, for a ready draft, to rehearsal)
    unknown_citations: tuple[int, ...]  # [n] markers with no passage n
    talks_scores: bool  # it gives or predicts a score, which it must not

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.on_plan:
            found.append("it does not address the plan's first fix")
        if self.unknown_citations:
            found.append(
                "it cites passages that were not given: "
                + ", ".join(f"[{n}]" for n in self.unknown_citations)
            )
        if self.talks_scores:
            found.append("it talks about scores, which only the scorer sets")
        return found


_CITATION = re.compile(r"\[(\d{1,3})\]")
_SCORE_TALK = re.compile(
    r"\b\d{1,3}\s*(/|out of)\s*(2|5|10|100)\b|\bscore (of|to|would be) \d", re.I
)
_FIX_WORDS = {
    "call_to_action": ("ask", "call to action", "action"),
    "urgency": ("urgen", "why now", "deadline", "now"),
    "challenge": ("challenge", "problem", "struggle", "moment"),
    "choice": ("choice", "chose", "decision", "decide"),
    "outcome": ("outcome", "result", "lesson", "changed"),
    "hope": ("hope", "vision", "picture", "imagine"),
    "values": ("value", "care about", "believe"),
    "specificity": ("specific", "detail", "concrete", "name"),
    "length": ("long", "cut", "shorter", "minute"),
    "list_of_asks": ("ask", "one thing"),
    "slogan_close": ("slogan", "close", "end"),
    "hedging": ("hedg", "maybe", "plainly"),
    "third_person": ("first person", '"i"', "i "),
    "no_us": ("us", "we", "community", "group"),
    "not_a_narrative": ("story", "moment", "narrative"),
}


def check_against_plan(
    answer: str, report: Mapping[str, Any], passages: Sequence[Any]
) -> PlanCheck:
    """Does the answer work on the plan's first fix, cite only given passages, and leave
    scores alone? A light check on words, meant to flag an answer, not to grade it."""
    plan = (report.get("coaching") or {}).get("plan") or {}
    lowered = answer.lower()
    if plan.get("ready") or not plan.get("steps"):
        on_plan = True
    else:
        first = plan["steps"][0]
        quotes = [str(e.get("text") or "") for e in first.get("evidence") or ()]
        words = _FIX_WORDS.get(str(first.get("id")), (str(first.get("id")).replace("_", " "),))
        on_plan = any(w in lowered for w in words) or any(
            q and q[:40].lower() in lowered for q in quotes
        )
    cited = sorted({int(n) for n in _CITATION.findall(answer)})
    given = min(len(passages), MAX_PASSAGES)
    return PlanCheck(
        on_plan=on_plan,
        unknown_citations=tuple(n for n in cited if not 1 <= n <= given),
        talks_scores=bool(_SCORE_TALK.search(answer)),
    )


def format_passages(passages: Sequence[Any]) -> str:
    """Numbered passages with their source and locator, so the model can cite them as [n]."""
    if not passages:
        return "(no passages retrieved)"
    blocks = []
    for number, passage in enumerate(passages[:MAX_PASSAGES], start=1):
        title = _field(passage, "title", "source") or "untitled source"
        locator = _field(passage, "locator")
        heading = f"[{number}] {title}" + (f" ({locator})" if locator else "")
        blocks.append(f"{heading}\n{_clip(_field(passage, 'text'), MAX_PASSAGE_CHARS)}")
    return "\n\n".join(blocks)


def history_messages(history: Sequence[Any]) -> tuple[ChatMessage, ...]:
    """Earlier turns as user/assistant messages; a 'system' turn is refused, not passed on."""
    messages = []
    for turn in list(history)[-MAX_HISTORY_MESSAGES:]:
        if isinstance(turn, ChatMessage):
            role, content = turn.role, turn.content
        elif isinstance(turn, Mapping):
            role, content = turn.get("role"), turn.get("content")
        else:
            role, content = turn
        if role not in ("user", "assistant") or not isinstance(content, str):
            raise InputError(f"conversation turns must be user or assistant text, not {role!r}")
        messages.append(ChatMessage(role, content))
    return tuple(messages)


def _overall(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, Mapping):
        score, maximum = value.get("score"), value.get("max")
        return f"{score}/{maximum}" if maximum is not None else str(score)
    return str(value)


def _field(item: Any, *names: str) -> str:
    for name in names:
        value = item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)
        if value:
            return str(value)
    return ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + TRUNCATED
