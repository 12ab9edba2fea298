"""'Coach me' against a real OpenAI-compatible server (llama.cpp serving SmolLM2-135M).

The model is far too small to coach; these tests check the plumbing through the UI: the
answer streams into the page as text, the prompt version is recorded with the draft's
version, and the connection test on the Settings page succeeds.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from ui_support import ROOT, assert_ok, by_label, open_page

from coach.settings import Settings
from coach.storage import Access, Database, Drafts

pytestmark = [pytest.mark.llm, pytest.mark.slow]
KEY = "sk-ui-test-5e6f7a8b-NEVER-SHOW"
DRAFT = (
    "Last winter our heating failed for three weeks. I knocked on every door on the fourth "
    "floor, and twelve neighbours signed a letter. Come to the housing board on 3 March at 6 pm."
)


def _server_script():
    spec = importlib.util.spec_from_file_location(
        "ui_llm_test_server", ROOT / "scripts" / "llm_test_server.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory):
    script = _server_script()
    if missing := script.missing_modules():
        pytest.skip(f"llama-cpp-python[server] is not installed (missing {missing})")
    try:
        script.find_gguf(download=False)
    except FileNotFoundError as exc:
        pytest.skip(f"the SmolLM2 model file is not installed: {exc}")
    log = tmp_path_factory.mktemp("ui-llm") / "server.log"
    server = script.start(api_key=KEY, log_path=log)
    yield server.url, script.MODEL_ALIAS
    script.stop(server)


@pytest.fixture
def with_llm(llm_server, data_dir, tmp_path, monkeypatch):
    """The app pointed at the local server, with answers capped at 40 tokens."""
    url, model = llm_server
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    for path in Settings().prompts_dir.glob("*.yaml"):
        text = re.sub(r"(?m)^max_tokens: \d+$", "max_tokens: 40", path.read_text())
        (prompts / path.name).write_text(text)
    monkeypatch.setenv("COACH_LLM_BASE_URL", url)
    monkeypatch.setenv("COACH_LLM_MODEL", model)
    monkeypatch.setenv("COACH_LLM_API_KEY", KEY)
    monkeypatch.setenv("COACH_PROMPTS_DIR", str(prompts))
    return data_dir


def test_coach_me_streams_an_answer_and_records_the_prompt_version(app, with_llm: Path):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(DRAFT).run()
    at.chat_input[0].set_value("What should I change first?").run()
    assert_ok(at)
    assert not [w.value for w in at.warning if "did not answer" in w.value]
    messages = at.get("chat_message")
    assert [m.proto.name for m in messages] == ["user", "assistant"]
    assert "prompt coach_chat v2" in " ".join(c.value for c in at.caption)
    db = Database(f"sqlite:///{with_llm / 'coach.db'}")
    me = Access(db).local_actor()
    drafts = Drafts(db)
    latest = drafts.latest_version(me, drafts.list_drafts(me)[0].id)
    assert latest.prompt_version == "coach_chat.v2"
    assert latest.report["criteria"]  # the scores are the scorer's, untouched
    db.dispose()


def test_tighten_shows_the_suggestion_beside_the_original(app, with_llm: Path):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(DRAFT).run()
    by_label(at.button, "Tighten this paragraph").click().run()
    assert_ok(at)
    assert at.text_area[0].value == DRAFT  # never overwritten
    assert "A tighter version to consider" in " ".join(m.value for m in at.markdown)


def test_settings_connection_test_succeeds(app, with_llm: Path):
    at = open_page(app, "ui/pages/settings_page.py")
    by_label(at.button, "Test connection").click().run()
    assert_ok(at)
    assert "is available" in " ".join(s.value for s in at.success)
