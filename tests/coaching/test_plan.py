"""The coaching plan: one to three fixes for this draft's story type, in its own words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from coach.coaching.evaluate import evaluate_plans, load_plans
from coach.coaching.feedback import build_feedback
from coach.coaching.plan import CoachingPlan, build_plan, plan_data
from coach.settings import PROJECT_ROOT

SELF_STORY = (
    "Two winters ago the boiler in our block broke in January. I was nineteen and I had "
    "never spoken at a meeting. Mrs Okafor on the fourth floor was wrapping her baby in "
    "coats. I knocked on every door that night and thirty of us signed a letter. The landlord "
    "fixed it within a week, and I learned that a letter with thirty names gets read."
)
NOW_MESSAGE = (
    "Our library might close. Libraries matter to everyone. We must act. Get involved! "
    "Everyone in this town should care about what happens next. Together we can save it!"
)


def plan_for(scorer, text: str, story_type: str | None = None) -> CoachingPlan:
    from coach.scoring.pipeline import score_text

    report = score_text(text, scorer, story_type=story_type)
    return build_plan(report, scorer.rubric, text, build_feedback(report, scorer.rubric))


def test_a_story_of_self_is_never_asked_for_a_deadline(scorer):
    assert plan_data()["never"]["self"] == ["urgency"]  # the labelling guide's rule
    for text in (SELF_STORY, NOW_MESSAGE):  # even one with no why-now at all
        plan = plan_for(scorer, text, "self")
        assert "urgency" not in {step.criterion for step in plan.steps}


def test_each_step_quotes_the_draft_names_the_problem_and_says_what_to_change(scorer):
    plan = plan_for(scorer, NOW_MESSAGE, "now")
    assert 1 <= len(plan.steps) <= 3 and not plan.ready
    for step in plan.steps:
        assert step.problem and step.move
        for evidence in step.evidence:
            assert NOW_MESSAGE[evidence.start : evidence.end] == evidence.text
    ask = next(s for s in plan.steps if s.criterion == "call_to_action")
    assert ask.problem in ("vague", "slogan", "missing") or ask.id == "slogan_close"


def test_a_draft_with_nothing_left_to_fix_is_told_it_is_ready():
    from coach.report import CriterionScore, Report

    scores = [
        CriterionScore(c, c, 2, 2, 0.9, "", (), 1.0)
        for c in ("challenge", "choice", "outcome", "specificity", "values")
    ]
    report = Report(
        story_type="self",
        detected_story_type="self",
        language="en",
        word_count=120,
        speaking_time_s=55,
        overall=90,
        components={"self": True, "us": False, "now": False},
        nothing_to_score=False,
        notes=(),
        rubric_id="public-narrative",
        rubric_version="x",
        criteria=tuple(scores),
    )
    from coach.scoring.rubric import load_rubric

    plan = build_plan(report, load_rubric(), SELF_STORY)
    assert plan.ready and plan.steps == () and plan.first_fix == "none"
    assert "rehearse" in plan.rehearse.lower()


def test_the_plan_is_the_same_every_time_and_lands_in_the_report_json(scorer):
    from coach.coaching.coached import coach_text
    from coach.scoring.pipeline import score_text

    report = score_text(NOW_MESSAGE, scorer, story_type="now")
    first = coach_text(report, scorer, NOW_MESSAGE).to_dict()["coaching"]["plan"]
    again = coach_text(report, scorer, NOW_MESSAGE).to_dict()["coaching"]["plan"]
    assert first == again
    assert first["steps"][0]["move"] and "evidence" in first["steps"][0]
    json.dumps(first)


def test_the_next_steps_and_the_trainer_summary_say_what_the_plan_says(scorer):
    from coach.coaching.coached import coach_text
    from coach.coaching.plan import step_name
    from coach.scoring.pipeline import score_text

    report = score_text(NOW_MESSAGE, scorer, story_type="now")
    coached = coach_text(report, scorer, NOW_MESSAGE)
    names = [step_name(step, scorer.rubric) for step in coached.plan.steps]
    assert names and len(coached.feedback.next_steps) == len(names)
    steps = coached.plan.steps
    for name, said, step in zip(names, coached.feedback.next_steps, steps, strict=True):
        assert said == f"{name}: {step.move}"
    assert f"Coach next on {', '.join(n.lower() for n in names)}." in (
        coached.feedback.trainer_summary
    )
    assert coached.to_dict()["coaching"]["next_steps"] == list(coached.feedback.next_steps)


def test_evaluation_counts_first_fixes_strong_criteria_ready_drafts_and_repeats():
    rows = [
        {
            "id": "a",
            "text": "x",
            "story_type": "self",
            "labels": {"choice": 2, "challenge": 1},
            "plan": {"first_fix": "challenge", "ready": False},
        },
        {
            "id": "b",
            "text": "y",
            "story_type": "self",
            "labels": {"choice": 2},
            "plan": {"first_fix": "none", "ready": True},
        },
    ]
    from coach.coaching.plan import PlanStep

    def plan_of(text, story_type):
        if text == "y":
            return CoachingPlan("self", (), True, "Ready.")
        steps = (
            PlanStep("challenge", "criterion", "generic", (), "d", "Add “a scene” here."),
            PlanStep("choice", "criterion", "implied", (), "d", "Name the decision."),
        )
        return CoachingPlan("self", steps)

    report = evaluate_plans(rows, plan_of)
    assert report["first_fix_exact"] == 1.0
    assert report["steps_aimed_at_strong"] == 0.5  # "choice" is labelled 2
    assert report["ready_recognised"] == "1/1"
    assert report["most_repeated_sentence_share"] == 0.5


@pytest.mark.slow
def test_coach_eval_coaching_on_the_held_out_coaching_set():
    folder = PROJECT_ROOT / "datasets" / "coaching"
    assert len(load_plans(folder)) == 60
    done = subprocess.run(
        [sys.executable, "-m", "coach", "eval-coaching", str(folder), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["n"] == 60
    assert report["steps_aimed_at_strong"] <= 0.15  # the old coach: 0.39 on strangers' drafts
    assert report["most_repeated_sentence_share"] <= 0.2
    assert report["plans_quoting_a_sentence_twice"] == 0  # 7 of 60 before session 14
    found, total = map(int, report["ready_recognised"].split("/"))
    assert total == 3 and found >= 2
    assert report["first_fix_exact"] >= 0.35  # far from the 0.7 asked for: docs/coaching.md


def test_eval_coaching_needs_a_plans_file(tmp_path: Path):
    from coach.errors import InputError

    with pytest.raises(InputError, match="no plans.jsonl"):
        load_plans(tmp_path)


DEPOT_MESSAGE = (
    "The bus depot is where most of us started work. They want to sell the depot to a "
    "developer. People who fixed these buses for years would lose everything. We must "
    "stand up. Everyone should care about this. Get involved and save the depot!"
)


def test_a_move_anchors_on_what_the_draft_talks_about_when_it_has_no_name_or_time(scorer):
    plan = plan_for(scorer, DEPOT_MESSAGE, "now")
    moves = " ".join(step.move for step in plan.steps if step.kind == "criterion")
    assert "what you say about the depot" in moves
    assert "the rest of the draft" not in moves
    # a generic noun ("people", "everyone") is never taken for the draft's subject
    assert "about the people" not in moves and "about the everyone" not in moves


LEG_CLUB = (
    "Mr Aldous came to the hall on Tuesday 4 March in a tie. Nobody had asked him to. "
    "His legs had been bandaged for two years. Mr Aldous said the club was the first place "
    "anyone had sat with him. We need more clubs, and soon. Things have to change."
)


def test_each_step_anchors_on_the_drafts_own_line_nearest_the_sentence_it_quotes():
    from coach.coaching.plan import Anchors
    from coach.text.draft import make_draft

    draft = make_draft(LEG_CLUB)
    anchors = Anchors(draft)
    soon = LEG_CLUB.index("We need more clubs")
    first = anchors.near(soon)  # the nearest concrete line, not the quoted sentence itself
    assert first == "your “Mr Aldous said the club was the first…”"  # not "…the…"
    second = anchors.near(soon)  # the next step leans on another line
    assert second.startswith("your “") and "Tuesday 4 March" in second
    assert anchors.near(soon) == ""  # no third line, no repeated subject: the clause goes


def test_a_move_with_nothing_concrete_to_anchor_on_leaves_the_clause_out():
    from coach.coaching.plan import fill

    template = "Say why now — the harm that will not wait[, as concretely as {detail}]."
    assert fill(template, detail="") == "Say why now — the harm that will not wait."
    assert fill(template, detail="your “the vote”").endswith("as concretely as your “the vote”.")


def test_a_missing_criterion_is_said_in_plain_words_not_the_rubrics_asides(scorer):
    plan = plan_for(scorer, NOW_MESSAGE, "now")
    for step in plan.steps:
        assert "(" not in step.diagnosis and "does not count" not in step.diagnosis


def test_a_generic_challenge_in_the_first_person_is_asked_for_the_speakers_own_moment(scorer):
    from dataclasses import replace

    from coach.coaching.plan import Anchors, _criterion_step
    from coach.report import Evidence
    from coach.scoring.pipeline import score_text
    from coach.text.draft import make_draft

    text = "I have always cared about my neighbours. Our block is cold. Join us."
    report = score_text(text, scorer, story_type="self")
    challenge = next(c for c in report.criteria if c.id == "challenge")
    mine = replace(challenge, score=1, confidence=0.9, evidence=(Evidence(0, 39, text[:39]),))
    step = _criterion_step(mine, scorer.rubric, Anchors(make_draft(text)), plan_data(), {})
    assert "happened to you" in step.move and "someone you can name" not in step.move


def test_a_draft_pasted_twice_is_not_ready_and_cutting_the_repeats_comes_first(scorer):
    from sample_drafts import PARK_HOUSE

    assert plan_for(scorer, PARK_HOUSE).ready  # told once, it is ready to tell
    twice = plan_for(scorer, PARK_HOUSE + "\n\n" + PARK_HOUSE)
    assert not twice.ready and twice.first_fix == "repetition"
    assert twice.steps[0].diagnosis.startswith("9 sentences repeat earlier ones")


def test_repeated_sentences_set_aside_case_digits_and_punctuation():
    from coach.coaching.planner import repeated_sentences

    padded = [f"Paragraph {i}: we met in the hall again." for i in range(1, 4)]
    assert repeated_sentences([*padded, "Vote yes!", "Vote yes!"]) == tuple(padded[1:])


def test_a_first_fix_trainers_split_over_is_called_a_close_call_with_its_runner_up(scorer):
    from dataclasses import replace

    from coach.coaching.plain_text import format_plan
    from coach.coaching.plan_training import PlanExample, fit_planner
    from coach.coaching.planner import draft_signals
    from coach.scoring.pipeline import score_text
    from coach.text.draft import make_draft

    report = score_text(NOW_MESSAGE, scorer, story_type="now")
    seen = draft_signals(report, scorer.rubric, make_draft(NOW_MESSAGE), "now")
    # Trainers who, reading drafts like this one, fix the ask and the problem, starting with
    # either half the time: the planner cannot tell them apart, and the plan should say so.
    both = ("call_to_action", "challenge")
    split = [
        PlanExample(
            f"d{n}", f"w{n % 4}", "P", replace(seen, overall=2 + n / 50), fixes[0], fixes, False, {}
        )
        for n, fixes in enumerate([both, both[::-1]] * 20)
    ]
    feedback = build_feedback(report, scorer.rubric)
    plan = build_plan(report, scorer.rubric, NOW_MESSAGE, feedback, model=fit_planner(split))
    assert {plan.first_fix, plan.close_call} == set(both)
    assert plan.to_dict()["close_call"]["alternative"] == plan.close_call
    assert "A close call: " in format_plan(plan, feedback).split("1. ")[0]  # before the steps


def test_evaluation_counts_steps_that_quote_a_sentence_the_labeller_quoted():
    from coach.coaching.plan import PlanStep
    from coach.report import Evidence

    text = "The bus stopped coming in March. Nobody told us why. Come to the depot on Friday."
    row = {
        "id": "a",
        "text": text,
        "story_type": "now",
        "labels": {"challenge": 1, "call_to_action": 1},
        "evidence": {"challenge": ["The bus stopped coming in March."], "call_to_action": []},
        "plan": {"first_fix": "challenge", "ready": False},
    }

    def quoting(sentence: str):
        start = text.index(sentence)
        return (Evidence(start, start + len(sentence), sentence, "model"),)

    def plan_of(text, story_type):
        return CoachingPlan(
            "now",
            (
                PlanStep(
                    "challenge", "criterion", "generic", quoting("Nobody told us why."), "d", "m"
                ),
                # the labeller quoted nothing for the ask: not counted either way
                PlanStep(
                    "call_to_action",
                    "criterion",
                    "vague",
                    quoting("Come to the depot on Friday."),
                    "d",
                    "m",
                ),
            ),
        )

    assert evaluate_plans([row], plan_of)["steps_quoting_a_labelled_sentence"] == 0.0
    row["evidence"]["challenge"].append("Nobody told us why.")
    assert evaluate_plans([row], plan_of)["steps_quoting_a_labelled_sentence"] == 1.0


def test_what_an_ask_lacks_counts_the_day_and_place_in_the_sentence_before_it():
    from coach.coaching.plan import _gaps

    ask = "Sign up at ourunion.org/volunteer, or come and find me at the break."
    alone = _gaps("call_to_action", ask)
    assert alone.startswith("it has ") and "add a day or time" in alone
    before = "The next training day is Saturday 12 April at the Mercer Lane Centre."
    assert _gaps("call_to_action", ask, [before]) == ""  # nothing to add: it is all there
    parcels = "We packed four hundred parcels for Mrs Reid."  # a number in words is a number
    assert _gaps("challenge", parcels) == "it has a name and a number; add a place."
    assert "it has a number" not in _gaps("challenge", "We met in the canteen.")


def test_a_fragment_the_move_leans_on_does_not_stop_on_a_little_word():
    from coach.coaching.plan import _window

    sentence = (
        "Then my friend asked me to come with her one Saturday to an old hotel outside Ennis."
    )
    fragment = _window(sentence, sentence.index("Saturday"), sentence.index("Saturday") + 8)
    assert "Saturday" in fragment
    assert fragment.rstrip("…").split()[-1] not in ("to", "an", "the")
