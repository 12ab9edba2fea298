"""Fixtures for the Streamlit AppTest suites: each test gets its own data directory.

The built-in guidance cards are indexed once per session (about 10 s) and the index is
copied into every test's fresh COACH_DATA_DIR, so tests stay independent and fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_environment import ISOLATE
from streamlit.testing.v1 import AppTest
from ui_support import APP, TIMEOUT_S, fresh_data_dir, open_page, seed_library


@pytest.fixture(scope="session")
def seeded_chroma(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_library(tmp_path_factory.mktemp("seeded-library"))


@pytest.fixture
def data_dir(seeded_chroma: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ISOLATE:
        monkeypatch.delenv(name, raising=False)
    folder = fresh_data_dir(seeded_chroma, tmp_path / "data")
    monkeypatch.setenv("COACH_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def app(data_dir: Path) -> AppTest:
    """The whole app (router and all pages), as a browser session would run it."""
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)


@pytest.fixture
def reload(data_dir: Path):
    """A new browser session on the same data: what a reload of the page gives."""

    def new_session(page: str = "ui/pages/write_score.py") -> AppTest:
        return open_page(AppTest.from_file(str(APP), default_timeout=TIMEOUT_S), page)

    return new_session
