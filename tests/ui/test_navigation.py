"""What was typed survives a click on another page (issue 16: the draft seemed to vanish)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from ui_support import APP, TIMEOUT_S, assert_ok, open_page

STORY = "Last spring the night bus stopped running. I chose to organise the riders. Come on 3 June."


def session() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)


def test_a_draft_typed_just_before_leaving_the_page_is_there_on_return(data_dir):
    at = open_page(session(), "ui/pages/write_score.py")
    at.text_area[0].input(STORY)  # typed, never left the box: committed by the page switch
    at.text_input[0].input("Night bus")
    at.switch_page("ui/pages/rehearse.py").run()
    assert_ok(at)
    at.switch_page("ui/pages/write_score.py").run()
    assert_ok(at)
    assert at.text_area[0].value == STORY
    assert at.text_input[0].value == "Night bus"


def test_an_answer_typed_just_before_leaving_build_my_story_is_kept(data_dir):
    at = open_page(session(), "ui/pages/build.py")
    at.text_area[0].input("I grew up above my grandmother's shop in Leith.")
    at.switch_page("ui/pages/write_score.py").run()
    assert_ok(at)
    at.switch_page("ui/pages/build.py").run()
    assert at.text_area[0].value == "I grew up above my grandmother's shop in Leith."
