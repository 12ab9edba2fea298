"""The report and coaching plan as plain text: the CLI prints it, the app offers it as a file.

Plain text on purpose: it pastes into an e-mail, a chat or a document without losing the
quoted sentences, and needs no viewer.
"""

from __future__ import annotations

from coach.text.draft import spoken

_BARS = {0: "·· ", 1: "■· ", 2: "■■ "}


def feedback_text(report, plan, feedback) -> str:
    """Scores with their evidence, then the plan: what a writer reads away from the app."""
    return format_report(report) + "\n" + format_plan(plan, feedback) + "\n"


def format_plan(plan, feedback) -> str:
    """The coaching plan: each fix with the sentence it is about, the move and a cited
    passage (its words, not just its title); or that the draft is ready."""
    if plan is None or (not plan.steps and not plan.ready):
        return "\n".join(
            ["", *feedback.next_steps, "", f"For trainers: {feedback.trainer_summary}"]
        )
    lines = ["", f"Your plan ({plan.story_type}):"]
    if plan.ready:
        lines.append(f"  {plan.rehearse}")
    if plan.close_call_note:
        lines.append(f"  {plan.close_call_note}")
    for number, step in enumerate(plan.steps, 1):
        lines.append(f"  {number}. {step.diagnosis}")
        lines.append(f"     {step.move}")
        if step.question:
            lines.append(f"     Ask yourself: {step.question}")
        if step.illustration:
            example = step.illustration
            lines.append(f"     The pattern ({example.setting}; an example, not text to copy):")
            lines.append(f"       “{example.weak}” → “{example.strong}”")
            lines.append(f"       {example.pattern}")
        for citation in step.citations[:1]:
            where = ", ".join(part for part in (citation.source, citation.locator) if part)
            lines.append(f"     See: {where}")
            lines.append(f"       “{_excerpt(citation.text)}”")
    lines += ["", f"For trainers: {feedback.trainer_summary}"]
    return "\n".join(lines)


def _excerpt(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def format_report(report) -> str:
    if report.nothing_to_score:
        return "Nothing to score: the draft is empty. Write or paste a story to begin."
    if not report.assessed:
        return "\n".join(
            [
                f"Not assessed · {report.word_count} words",
                *report.notes,
            ]
        )
    components = " ".join(f"{k}:{'yes' if v else 'no'}" for k, v in report.components.items())
    lines = [
        f"Overall {report.overall}/100 · weighted as '{report.story_type}' · reads as "
        f"'{report.detected_story_type}' · {components}",
        f"{report.word_count} words · about {spoken(report.speaking_time_s)} to say · "
        f"language {report.language}",
        *[f"note: {n}" for n in report.notes],
        "",
    ]
    for c in report.criteria:
        lines.append(f"{_BARS[c.score]}{c.score}/{c.max}  {c.name:<32} {c.reason}")
        for e in c.evidence:
            quote = e.text if len(e.text) <= 110 else e.text[:107] + "..."
            lines.append(f'          [{e.start}-{e.end}] "{quote}"')
    return "\n".join(lines)
