"""What the Word and the PDF exports of the feedback share: the wording of each piece, and
the user's text made safe to put into a document.

Both exports show the same things in the same words (``word_export.feedback_docx``,
``pdf_export.feedback_pdf``); only the layout is theirs.
"""

from __future__ import annotations

import re

DEFAULT_TITLE = "Narrative Coach feedback"
LEVELS = {0: "not yet", 1: "part", 2: "full"}
#: Characters XML 1.0 cannot hold, and no PDF text either: C0 controls but tab, line feed and
#: carriage return, lone surrogates, non-characters (a draft pasted from a binary file).
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CITATION_CHARS = 300


def clean(value: object) -> str:
    """Text a document can hold: the characters above left out, everything else kept."""
    return _NOT_TEXT.sub("", str(value))


def title_of(title: str) -> str:
    return clean(title) or DEFAULT_TITLE


def overall(report) -> str:
    return f"Overall {report.overall}/100" if report.assessed else "Not scored"


def summary(report) -> str:
    """What follows the overall score on its line: length, story type read and weighted (or,
    for a draft the scorer declined, why)."""
    if not report.assessed:
        return f" · {report.word_count} words · {report.why_not_assessed}"
    return (
        f" · {report.word_count} words · {report.detected_story_type} · "
        f"weighted as {report.story_type}"
    )


def judged_criteria(report) -> tuple:
    """The criteria to print in the scores table: none for a draft the scorer declined."""
    return report.criteria if report.assessed else ()


def score_label(criterion) -> str:
    """``"1/2 (part)"``."""
    return f"{criterion.score}/{criterion.max} ({LEVELS.get(criterion.score, '')})"


def question_line(question: str) -> str:
    return clean(f"Ask yourself: {question}")


def pattern_lead(example) -> str:
    return clean(f"The pattern ({example.setting}; an example, not text to copy): ")


def pattern_text(example) -> str:
    return clean(f"“{example.weak}” → “{example.strong}” {example.pattern}")


def citation_line(citation) -> str:
    """``See: source, locator — “the passage's words”`` (about its first 300 characters,
    cut between words)."""
    where = ", ".join(part for part in (citation.source, citation.locator) if part)
    words = " ".join(citation.text.split())
    if len(words) > CITATION_CHARS:
        words = words[:CITATION_CHARS].rsplit(" ", 1)[0] + " …"
    return clean(f"See: {where} — “{words}”")


def trainer_line(feedback) -> str:
    return clean(f"For trainers: {feedback.trainer_summary}")


def draft_paragraphs(text: str) -> list[str]:
    """The draft's paragraphs (blank-line separated), stripped, empty ones left out."""
    paragraphs = (clean(part).strip() for part in text.split("\n\n"))
    return [paragraph for paragraph in paragraphs if paragraph]
