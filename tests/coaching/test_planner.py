"""The planner: which fixes a trainer would name first, learned from trainers' plans."""

from __future__ import annotations

from dataclasses import replace

from coach.coaching.plan_training import (
    PlanExample,
    cross_validate_planner,
    fit_planner,
    plan_agreement,
    trainer_agreement,
)
from coach.coaching.planner import (
    Choice,
    DraftSignals,
    PlannerModel,
    Ranked,
    candidate_rows,
    choose,
    close_call,
    further_fixes,
)
from coach.scoring.rubric import FIXED_CRITERIA


def signals(story_type: str = "narrative", **levels: int) -> DraftSignals:
    """A draft as the planner sees it: every criterion at 2 unless given."""
    scores = {c: levels.get(c, 2) for c in FIXED_CRITERIA}
    return DraftSignals(
        story_type=story_type,
        detected_story_type=story_type,
        scores=scores,
        maxima=dict.fromkeys(FIXED_CRITERIA, 2),
        expected={c: float(v) for c, v in scores.items()},
        confidence=dict.fromkeys(FIXED_CRITERIA, 0.8),
        components={"self": True, "us": True, "now": True},
        overall=3.0,
        slot_ratio=0.8,
        first_person_share=0.5,
        third_person_share=0.1,
        third_subject="she",
        asks=(),
        close="Come on Tuesday at 7 pm.",
        slogan_close=False,
        hedged=(),
        words=300,
    )


def example(writer: str, first: str, draft: DraftSignals, number: int) -> PlanExample:
    return PlanExample(
        draft_id=f"{writer}_{number}",
        writer=writer,
        labeller="P",
        signals=draft,
        first_fix=first,
        fixes=(first,) if first != "none" else (),
        ready=first == "none",
        labels=dict(draft.scores),
    )


def test_only_fixes_the_draft_makes_possible_become_candidates():
    draft = signals("self", challenge=1, urgency=0, call_to_action=0)
    names, rows = candidate_rows(draft)
    assert "challenge" in names and "call_to_action" in names
    assert "urgency" not in names  # a story of self is never asked for a deadline
    assert "choice" not in names  # already at full marks
    assert "list_of_asks" not in names and "hedging" not in names  # no signal for them
    assert rows.shape[0] == len(names)

    told_about_her = replace(draft, first_person_share=0.0, third_person_share=0.7)
    assert "third_person" in candidate_rows(told_about_her)[0]


def trainers_who_fix_the_ask_in_a_narrative_and_the_challenge_in_a_self_story():
    examples = []
    for n in range(40):
        writer = f"w{n % 4}"
        weak_ask = signals("narrative", call_to_action=n % 2, challenge=1, hope=1)
        examples.append(example(writer, "call_to_action", weak_ask, n))
        self_story = signals("self", challenge=1, specificity=1, call_to_action=0)
        examples.append(example(writer, "challenge", self_story, 100 + n))
        examples.append(example(writer, "none", signals("self"), 200 + n))
    return examples


def test_the_planner_learns_which_fix_trainers_name_first_for_each_story_type():
    model = fit_planner(trainers_who_fix_the_ask_in_a_narrative_and_the_challenge_in_a_self_story())
    narrative = choose(model, signals("narrative", call_to_action=1, challenge=1, hope=1))
    assert not narrative.ready and narrative.fixes[0] == "call_to_action"
    self_story = choose(model, signals("self", challenge=1, specificity=1, call_to_action=0))
    assert not self_story.ready and self_story.fixes[0] == "challenge"
    assert choose(model, signals("self")) == Choice(ready=True)
    saved = PlannerModel.from_dict(model.to_dict())  # weights kept to six digits
    draft = signals("self", challenge=1)
    for a, b in zip(saved.rank(draft), model.rank(draft), strict=True):
        assert a.candidate == b.candidate and abs(a.first - b.first) < 1e-4


def test_cross_validation_never_plans_a_draft_with_a_model_that_saw_its_writer():
    # Writer a's trainers always want the challenge first, writer b's the ask: a model that
    # never saw a writer cannot know its habit, so out of fold it is always wrong.
    examples = []
    for n in range(30):
        draft = signals("narrative", challenge=1, call_to_action=1)
        examples.append(example("a", "challenge", replace(draft, overall=2.0 + n / 100), n))
        examples.append(example("b", "call_to_action", replace(draft, overall=4.0), 50 + n))
    in_sample = fit_planner(examples)
    assert choose(in_sample, examples[0].signals).fixes[0] == "challenge"
    result = plan_agreement(examples, cross_validate_planner(examples))
    assert result["first_fix_exact"] == 0.0


def test_trainer_agreement_counts_drafts_planned_twice():
    rows = [
        {"id": "x", "plan": {"first_fix": "challenge"}},
        {"id": "x", "plan": {"first_fix": "challenge"}},
        {"id": "y", "plan": {"first_fix": "hope"}},
        {"id": "y", "plan": {"first_fix": "none", "ready": True}},
        {"id": "z", "plan": {"first_fix": "hope"}},
    ]
    assert trainer_agreement(rows) == {"pairs": 2, "first_fix_same": 0.5, "ready_same": 0.5}


def test_further_fixes_are_those_trainers_would_also_name_not_the_runner_up_first_fixes():
    ranked = [
        Ranked("challenge", first=0.22, planned=0.95),  # the first fix: never named twice
        Ranked("specificity", first=0.21, planned=0.70),
        Ranked("not_a_narrative", first=0.09, planned=0.09),
        Ranked("call_to_action", first=0.06, planned=0.78),  # a vague ask: rarely first
    ]
    assert further_fixes(ranked, threshold=0.2) == ["call_to_action", "specificity"]
    assert further_fixes(ranked, threshold=0.75) == ["call_to_action"]
    assert further_fixes(ranked[:1], threshold=0.2) == []


def test_a_later_step_half_as_likely_to_come_first_is_a_close_call():
    ask = Ranked("call_to_action", first=0.40, planned=0.9)
    challenge = Ranked("challenge", first=0.30, planned=0.5)
    assert close_call([ask, challenge], ("call_to_action", "challenge")) == "challenge"
    assert close_call([ask, replace(challenge, first=0.1)], ("call_to_action", "challenge")) == ""
    assert close_call([ask, challenge], ("call_to_action",)) == ""  # no step to weigh it by
    assert close_call([ask], ("call_to_action",)) == ""
    # telling a story of self as "I" comes before any sentence of it
    third = Ranked("third_person", first=0.40, planned=0.9)
    assert close_call([third, challenge], ("third_person", "challenge")) == ""


def test_close_calls_are_counted_apart_from_clear_choices():
    examples = [example("a", "challenge", signals(challenge=1), n) for n in range(4)]
    chosen = [
        Choice(False, ("challenge",)),  # clear and right
        Choice(False, ("specificity",)),  # clear and wrong
        Choice(False, ("specificity", "challenge"), close_call="challenge"),  # the runner-up
        Choice(False, ("challenge",), close_call="hope"),  # close and right
    ]
    result = plan_agreement(examples, chosen)
    assert result["close_calls"] == 2
    assert result["first_fix_when_clear"] == 0.5
    assert result["first_fix_when_close"] == 0.5 and result["runner_up_when_close"] == 0.5


def test_sort_of_after_a_determiner_names_a_kind_and_is_no_hedge():
    from coach.coaching.planner import is_hedged
    from coach.scoring.rubric import load_rubric

    lexicons = load_rubric(None).compiled_lexicons
    assert is_hedged("I sort of knew it would happen.", lexicons)
    assert is_hedged("Maybe Thursday works.", lexicons)
    assert not is_hedged("I hear the key and can tell what sort of day it's been.", lexicons)
    assert not is_hedged("We sent the same kind of letter again.", lexicons)
    assert is_hedged("It was the same kind of letter, I think.", lexicons)  # another hedge
