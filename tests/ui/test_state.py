"""The session-state helper refuses names it does not know (typos fail loudly)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def script():
    import streamlit as st

    from ui import state

    state.set("draft_id", 7)
    st.write(
        state.get("draft_id"),
        state.get("llm_history"),
        state.widget("build.answer", "self", "choice"),
    )
    try:
        state.get("draft_idd")
    except KeyError as exc:
        st.write(str(exc))


def test_declared_names_work_and_typos_fail():
    at = AppTest.from_function(script).run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "7" in shown and "build.answer.self.choice" in shown
    assert "undeclared session value 'draft_idd'" in shown


def test_widget_names_are_declared_too():
    from ui import state

    with pytest.raises(KeyError):
        state.widget("editor.txt")
