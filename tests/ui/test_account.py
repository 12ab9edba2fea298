"""Accounts (optional): a trainer runs a workshop in the app, a participant joins and writes,
the trainer reviews and comments, and the participant reads the comment."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest
from ui_support import APP, TIMEOUT_S, assert_ok, by_label, open_page, plain

PAGE = "ui/pages/account.py"
CODE = re.compile(r"([A-Z0-9]{4})\\\\?-([A-Z0-9]{4})")
STORY = (
    "Last spring the night bus stopped running. I chose to organise the riders, and forty of "
    "us signed a petition. Come to the council meeting on 3 June at 7 pm."
)


def session() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)


def notice(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


@pytest.mark.slow
def test_trainer_runs_a_workshop_that_a_participant_joins(data_dir):
    trainer = open_page(session(), PAGE)
    by_label(trainer.text_input, "E-mail").input("tess@example.org")
    by_label(trainer.text_input, "Password").input("a long enough password")
    by_label(trainer.button, "Create account").click().run()
    assert_ok(trainer)
    assert "Signed in as **tess**" in " ".join(m.value for m in trainer.markdown)
    by_label(trainer.text_input, "New workshop").input("Spring cohort")
    by_label(trainer.button, "Create workshop").click().run()
    code = "-".join(CODE.search(notice(trainer)).groups())

    ana = open_page(session(), PAGE)
    ana.text_input(key="account.join_code").input(code)
    ana.text_input(key="account.join_name").input("Ana")
    by_label(ana.button, "Join").click().run()
    assert_ok(ana)
    assert "Your personal key is" in notice(ana)
    ana.switch_page("ui/pages/write_score.py").run()
    ana.text_area[0].input(STORY).run()
    assert_ok(ana)

    trainer.switch_page("ui/pages/review.py").run()
    by_label(trainer.selectbox, "Workshop").select("app:1").run()
    assert_ok(trainer)
    assert not trainer.file_uploader  # participants write in the app; nothing to upload
    table = next(d.value for d in trainer.dataframe if "participant" in d.value.columns)
    assert list(table["participant"]) == ["Ana"]
    by_label(trainer.text_area, "Your comment").input("Name the council member you will ask.")
    by_label(trainer.button, "Add comment").click().run()
    assert_ok(trainer)

    ana.run()
    comments = ana.expander[0]
    assert comments.label == "Comments from your trainer (1)"
    assert comments.text[0].value == "Name the council member you will ask."


def test_wrong_password_and_wrong_code_are_refused(data_dir):
    at = open_page(session(), PAGE)
    by_label(at.text_input, "E-mail").input("nobody@example.org")
    by_label(at.text_input, "Password").input("not the password")
    by_label(at.button, "Log in").click().run()
    assert "wrong e-mail or password" in plain(" ".join(e.value for e in at.error))
    at.text_input(key="account.join_code").input("AAAA-BBBB")
    at.text_input(key="account.join_name").input("Sam")
    by_label(at.button, "Join").click().run()
    assert "does not match any workshop" in plain(" ".join(e.value for e in at.error))


def test_the_app_works_without_an_account(app):
    at = open_page(app, PAGE)
    assert "you need no account" in " ".join(c.value for c in at.caption)
