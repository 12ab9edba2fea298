"""The feedback as plain text (the CLI's output, the app's download): scores, quoted evidence,
then the plan."""

from __future__ import annotations

from coach.coaching.coached import coach_text
from coach.coaching.plain_text import feedback_text

DRAFT = (
    "Last winter our building's heating failed for three weeks. I knocked on every door on "
    "the fourth floor, and twelve neighbours signed a letter to the landlord. Two weeks later "
    "the boiler was replaced. We believe every family deserves a warm home. The housing board "
    "meets on 3 March: come with us to the meeting at 6 pm and bring one neighbour."
)


def test_the_text_quotes_the_evidence_and_ends_with_the_plan(scorer, score) -> None:
    report = score(DRAFT)
    coached = coach_text(report, scorer, DRAFT)
    text = feedback_text(coached.report, coached.plan, coached.feedback)
    assert text.startswith(f"Overall {report.overall}/100")
    quoted = [e.text for c in report.criteria for e in c.evidence]
    assert quoted and all(q[:60] in text for q in quoted)
    assert "For trainers:" in text
    assert text.index("Call to action") < text.index("For trainers:")


def test_a_draft_too_short_to_judge_gets_its_reason_and_no_coaching(scorer, score) -> None:
    text = "Save our library."
    coached = coach_text(score(text), scorer, text)
    assert not coached.plan.steps and not coached.feedback.items
    assert coached.feedback.trainer_summary.startswith("Too short to judge: 3 words")
    printed = feedback_text(coached.report, coached.plan, coached.feedback)
    assert printed.startswith("Not assessed") and "Too short to judge" in printed
