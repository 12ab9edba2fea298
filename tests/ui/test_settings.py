"""Settings: pace and story type persist, a custom rubric is validated, the key is never stored."""

from __future__ import annotations

import socket

import yaml
from ui_support import assert_ok, by_label, open_page, texts

from coach.scoring.rubric import DEFAULT_RUBRIC

PAGE = "ui/pages/settings_page.py"


def errors(at) -> str:
    return " ".join(e.value for e in at.error)


def test_pace_and_story_type_are_kept(app, reload):
    at = open_page(app, PAGE)
    by_label(at.slider, "Speaking pace (words per minute)").set_value(150).run()
    by_label(at.selectbox, "Default story type").select("self").run()
    assert_ok(at)
    later = reload(PAGE)
    assert by_label(later.slider, "Speaking pace (words per minute)").value == 150
    assert by_label(later.selectbox, "Default story type").value == "self"


def test_a_broken_rubric_is_refused_with_the_reason(app):
    at = open_page(app, PAGE)
    broken = DEFAULT_RUBRIC.read_text().replace("coaching_question:", "coaching_qestion:", 1)
    at.file_uploader[0].set_value(("mine.yaml", broken.encode(), "application/yaml")).run()
    assert_ok(at)
    assert "This rubric cannot be used" in errors(at) and "criterion" in errors(at)


def test_a_custom_rubric_is_used_until_the_default_is_chosen_again(app):
    at = open_page(app, PAGE)
    data = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    data["name"] = "Tenants' union rubric"
    data["criteria"] = data["criteria"][:9]
    custom = yaml.safe_dump(data, sort_keys=False).encode()
    at.file_uploader[0].set_value(("tenants.yaml", custom, "application/yaml")).run()
    assert_ok(at)
    assert "Tenants' union rubric" in texts(at)
    assert len(at.dataframe[0].value) == 9
    at.file_uploader[0].set_value(None).run()
    by_label(at.button, "Go back to the default rubric").click().run()
    assert_ok(at)
    assert len(at.dataframe[0].value) == len(yaml.safe_load(DEFAULT_RUBRIC.read_text())["criteria"])


def test_connection_test_says_what_is_wrong(app):
    at = open_page(app, PAGE)
    by_label(at.button, "Test connection").click().run()
    assert "No LLM is configured" in errors(at)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    by_label(at.text_input, "Base URL").input(f"http://127.0.0.1:{port}/v1").run()
    by_label(at.text_input, "Model").input("local").run()
    by_label(at.button, "Test connection").click().run()
    assert "Cannot reach the LLM" in errors(at)


def test_the_api_key_is_used_but_never_stored(app, data_dir, reload):
    secret = "sk-test-never-store-this-123"
    at = open_page(app, PAGE)
    by_label(at.text_input, "Base URL").input("http://127.0.0.1:9/v1").run()
    by_label(at.text_input, "Model").input("local").run()
    by_label(at.text_input, "API key (if the server needs one)").input(secret).run()
    by_label(at.button, "Save").click().run()
    assert_ok(at)
    stored = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert secret.encode() not in stored
    later = reload(PAGE)
    assert by_label(later.text_input, "Base URL").value == "http://127.0.0.1:9/v1"
    assert by_label(later.text_input, "API key (if the server needs one)").value == ""


def test_data_locations_are_shown_and_my_data_can_be_downloaded(app, data_dir):
    at = open_page(app, PAGE)
    assert str(data_dir) in texts(at)
    assert "Download my data (JSON)" in [b.label for b in at.get("download_button")]
