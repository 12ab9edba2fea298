"""The plan travels: Build my story shows only what it asked about; the LLM coach is given
the plan and its answer is checked against it."""

from __future__ import annotations

from coach.coaching.builder import questions_for, suggestions
from coach.coaching.llm_coach import check_against_plan, format_report
from coach.coaching.plan import CoachingPlan, PlanStep
from coach.report import Evidence

ASK = Evidence(120, 141, "So please get involved.", "model")
PLAN = CoachingPlan(
    "self",
    (
        PlanStep("call_to_action", "criterion", "vague", (ASK,), "d", "Turn it into one ask."),
        PlanStep("choice", "criterion", "implied", (), "d", "Name the moment you decided."),
        PlanStep("no_us", "issue", "no us", (), "d", "Name who we are."),
    ),
)


def test_build_my_story_suggests_only_what_it_asked_about():
    found = suggestions("self", PLAN)
    assert [s.step.id for s in found] == ["choice"]  # a story of self is never asked for an ask
    assert found[0].question == questions_for("self")[found[0].number - 1]
    narrative = suggestions("narrative", PLAN)
    assert [s.step.id for s in narrative] == ["call_to_action", "choice", "no_us"]
    assert narrative[2].question.criterion == "link_self_us"  # "who is us?" answers "no us"


def report_with(plan: CoachingPlan) -> dict:
    return {"story_type": "self", "criteria": [], "coaching": {"plan": plan.to_dict()}}


def test_the_llm_is_shown_the_plan_in_order_with_the_sentence_each_step_is_about():
    text = format_report(report_with(PLAN))
    assert "Coaching plan (work on these, in this order):" in text
    assert text.index("1. call_to_action (vague)") < text.index("2. choice (implied)")
    assert 'About: "So please get involved."' in text
    ready = CoachingPlan("self", (), True, "Ready to tell — rehearse it.")
    assert "Coaching plan: READY — Ready to tell" in format_report(report_with(ready))


def test_an_answer_is_checked_against_the_plan_and_the_passages_it_was_given():
    report, passages = report_with(PLAN), [{"text": "Make one specific ask.", "title": "Card"}]
    good = check_against_plan("Make your ask concrete: one time and place [1].", report, passages)
    assert good.problems == []
    stray = check_against_plan("Your values shine. This is a 5/5 story, see [3].", report, passages)
    assert not stray.on_plan and stray.unknown_citations == (3,) and stray.talks_scores
    assert len(stray.problems) == 3
