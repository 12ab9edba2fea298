"""``python3 dev.py app`` serves this machine only, unless told to serve a room."""

from __future__ import annotations

import importlib.util
import tomllib

from coach.settings import PROJECT_ROOT


def dev_module():
    spec = importlib.util.spec_from_file_location("dev", PROJECT_ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_app_listens_on_the_loopback_address_by_default():
    args = dev_module().app_args([])
    assert "--server.address=127.0.0.1" in args
    assert "--browser.gatherUsageStats=false" in args
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False


def test_serving_a_room_is_one_explicit_option():
    args = dev_module().app_args(["--server.address", "0.0.0.0"])
    assert "--server.address=127.0.0.1" not in args and args[-2:] == ["--server.address", "0.0.0.0"]
