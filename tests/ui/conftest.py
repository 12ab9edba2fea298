"""Fixtures for the Streamlit AppTest suites: each test gets its own data directory.

The built-in guidance cards are indexed once per session (``seeded_data_dir`` in
tests/conftest.py) and the index is copied into every test's fresh COACH_DATA_DIR
(``coach_data_dir``), so tests stay independent and fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from ui_support import APP, TIMEOUT_S, fresh_data_dir, open_page


@pytest.fixture
def data_dir(seeded_data_dir: Path, coach_data_dir: Path) -> Path:
    return fresh_data_dir(seeded_data_dir / "chroma", coach_data_dir)


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
