"""Shared mode (COACH_SHARED=1): a visitor owns nothing until they join or sign in, and the
LLM endpoint is the operator's. Personal mode (the default) is covered by the other suites."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest
from ui_support import APP, TIMEOUT_S, assert_ok, by_label, open_page, texts

ACCOUNT = "ui/pages/account.py"
CODE = re.compile(r"([A-Z0-9]{4})\\\\?-([A-Z0-9]{4})")


@pytest.fixture
def shared(data_dir, monkeypatch):
    monkeypatch.setenv("COACH_SHARED", "1")
    monkeypatch.setenv("COACH_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("COACH_LLM_MODEL", "operators-model")
    monkeypatch.setenv("COACH_LLM_API_KEY", "sk-operator-secret")
    return data_dir


def session() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)


@pytest.mark.parametrize(
    "page",
    [
        "ui/pages/write_score.py",
        "ui/pages/build.py",
        "ui/pages/rehearse.py",
        "ui/pages/review.py",
        "ui/pages/settings_page.py",
    ],
)
def test_a_visitor_is_asked_to_join_before_owning_anything(shared, page):
    at = open_page(session(), page)
    assert_ok(at)
    assert "This Narrative Coach is shared" in " ".join(i.value for i in at.info)
    assert not at.text_area and not at.text_input, "no editor, no settings for a visitor"


def test_a_visitor_may_search_the_library_but_not_add_to_it(shared):
    at = open_page(session(), "ui/pages/library.py")
    assert_ok(at)
    assert not at.file_uploader
    assert "to add documents" in " ".join(c.value for c in at.caption)


def test_a_participant_writes_after_joining_and_cannot_change_the_llm(shared):
    trainer = open_page(session(), ACCOUNT)
    by_label(trainer.text_input, "E-mail").input("tess@example.org")
    by_label(trainer.text_input, "Password").input("a long enough password")
    by_label(trainer.button, "Create account").click().run()
    by_label(trainer.text_input, "New workshop").input("Room 4")
    by_label(trainer.button, "Create workshop").click().run()
    code = "-".join(CODE.search(" ".join(w.value for w in trainer.warning)).groups())

    ana = open_page(session(), ACCOUNT)
    ana.text_input(key="account.join_code").input(code)
    ana.text_input(key="account.join_name").input("Ana")
    by_label(ana.button, "Join").click().run()
    assert_ok(ana)
    ana.switch_page("ui/pages/write_score.py").run()
    assert ana.text_area, "a participant who joined has an editor"
    ana.switch_page("ui/pages/settings_page.py").run()
    assert_ok(ana)
    assert not [t for t in ana.text_input if t.label == "Base URL"]
    assert "Set by whoever runs this server" in texts(ana)
    assert "sk-operator-secret" not in texts(ana)
