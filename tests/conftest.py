"""What every test shares: an environment of its own; the scorer and the library built once.

Helpers that are not fixtures — a free port, the environment for a child process, the
real local servers several folders use — live in ``tests/support/`` (on the import path,
see ``pyproject.toml``). Each area's own fixtures stay in its folder's ``conftest.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from environment import QUIET, is_setting
from seeded_library import LibrarySeed

from coach.report import Report
from coach.scoring.learned import LearnedScorer
from coach.scoring.pipeline import build_scorer, score_text
from coach.settings import Settings


def pytest_configure(config: pytest.Config) -> None:
    # Before any test module imports Chroma (the library's), which reads these on import.
    for name, value in QUIET.items():
        os.environ.setdefault(name, value)


def _isolate(patch: pytest.MonkeyPatch, data_dir: Path) -> None:
    for name in [name for name in os.environ if is_setting(name)]:
        patch.delenv(name)
    patch.setenv("COACH_DATA_DIR", str(data_dir))


@pytest.fixture(scope="session", autouse=True)
def session_environment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Session fixtures (shared servers, the cached scorer) start isolated too.

    When a selected test will need the seeded library, its indexing starts now, in the
    background, rather than when that test comes up.
    """
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, tmp_path_factory.mktemp("session-coach-data"))
        if any("seeded_data_dir" in item.fixturenames for item in request.session.items):
            request.getfixturevalue("library_seed")
        yield


@pytest.fixture(autouse=True)
def coach_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test: no COACH_* setting from the developer's shell, and its own data directory.

    ``Settings()`` in the test, or in the app it runs, uses this (not yet created) folder;
    a test that sets a ``COACH_*`` variable with ``monkeypatch`` affects only itself.
    """
    data_dir = tmp_path / "coach-data"
    _isolate(monkeypatch, data_dir)
    return data_dir


@pytest.fixture(scope="session")
def scorer() -> LearnedScorer:
    """The default scorer (learned model, packaged rubric, offline embedders), as the CLI has it.

    Loading the rubric and the embedding models takes seconds, so it is built once; scoring
    is pure, so sharing it cannot leak state between tests.
    """
    return build_scorer(Settings(rubric_path=None))


@pytest.fixture(scope="session")
def score(scorer: LearnedScorer) -> Callable[..., Report]:
    """score(text, **options) -> Report, through the same pipeline the CLI uses."""

    def _score(text: str, **options) -> Report:
        return score_text(text, scorer, **options)

    return _score


@pytest.fixture(scope="session")
def library_seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibrarySeed]:
    seed = LibrarySeed(tmp_path_factory.mktemp("seeded-data"))
    yield seed
    seed.stop()


@pytest.fixture(scope="session")
def seeded_data_dir(library_seed: LibrarySeed) -> Path:
    """A data directory with the built-in cards indexed, made once: copy it, never write to it."""
    return library_seed.wait()
