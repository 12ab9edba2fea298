"""Build my story: questions answered in one's own words become a scored draft."""

from __future__ import annotations

from ui_support import assert_ok, by_label, open_page, texts

from coach.coaching import builder
from coach.coaching.examples import EXAMPLE_ANSWERS

PAGE = "ui/pages/build.py"


def answer_boxes(at):
    return [t for t in at.text_area if t.key and t.key.startswith("build.answer.")]


def test_questions_follow_the_story_type(app):
    at = open_page(app, PAGE)
    by_label(at.selectbox, "What are you building?").select("self").run()
    prompts = [q.prompt for q in builder.questions_for("self")]
    assert [box.label.split(". ", 1)[1] for box in answer_boxes(at)] == prompts
    assert "0 of 4 questions answered" in at.get("progress")[0].proto.text


def test_answers_are_saved_as_they_are_typed(app, reload):
    at = open_page(app, PAGE)
    by_label(at.selectbox, "What are you building?").select("self").run()
    answer_boxes(at)[0].input("The night the clinic closed, I waited outside with my son.").run()
    assert_ok(at)
    assert "1 of 4 questions answered" in at.get("progress")[0].proto.text
    again = reload(PAGE)
    by_label(again.selectbox, "What are you building?").select("self").run()
    assert answer_boxes(again)[0].value.startswith("The night the clinic closed")


def test_the_example_fills_every_question_and_scores(app):
    at = open_page(app, PAGE)
    by_label(at.selectbox, "What are you building?").select("self").run()
    by_label(at.button, "Fill in an example to see how it works").click().run()
    assert [box.value for box in answer_boxes(at)] == [
        EXAMPLE_ANSWERS[q.id] for q in builder.questions_for("self")
    ]
    by_label(at.button, "Score my story").click().run()
    assert_ok(at)
    assert by_label(at.metric, "Overall").value.endswith("/100")
    # The example is a complete story of self: ready, or a fix about a question it asked.
    shown = texts(at)
    assert "Ready to tell" in shown or "What to work on next" in shown


def test_the_built_draft_opens_in_write_and_score(app):
    at = open_page(app, PAGE)
    by_label(at.selectbox, "What are you building?").select("self").run()
    by_label(at.button, "Fill in an example to see how it works").click().run()
    by_label(at.button, "Score my story").click().run()
    by_label(at.button, "Open in Write & score").click().run()
    assert_ok(at)
    assert at.title[0].value == "Write & score"
    expected = builder.assemble("self", EXAMPLE_ANSWERS)
    assert at.text_area[0].value == expected
    assert at.text_input[0].value == "Story of self (from the builder)"


def test_changing_an_answer_after_scoring_keeps_the_draft_in_step(app):
    at = open_page(app, PAGE)
    by_label(at.selectbox, "What are you building?").select("now").run()
    by_label(at.button, "Fill in an example to see how it works").click().run()
    by_label(at.button, "Score my story").click().run()
    answer_boxes(at)[-1].input("Sign the petition at the library on Saturday at 10 am.").run()
    assert_ok(at)
    by_label(at.button, "Open in Write & score").click().run()
    assert at.text_area[0].value.endswith("Sign the petition at the library on Saturday at 10 am.")
    drafts = [b.label for b in at.button if b.key and "draft_pick" in b.key]
    assert len(drafts) == 1  # one draft, a new version each time the answers change
    assert drafts[0].startswith("Story of now \\(from the builder\\) · v2")
