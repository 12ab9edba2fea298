"""Fixtures for the scorer's tests: the rule engine alone, and a way to run `coach`.

The default scorer (``scorer``, ``score``) is built once in ``tests/conftest.py``. CLI tests
run `python -m coach` in a subprocess with no COACH_* settings from the caller's shell and
their own data directory, so results do not depend on who runs them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from environment import child_env
from scoring_support import REPO_ROOT

from coach.report import Report
from coach.scoring.engine import Scorer
from coach.scoring.pipeline import build_scorer, score_text
from coach.settings import Settings


@pytest.fixture(scope="session")
def rule_scorer() -> Scorer:
    """The rubric's rule engine alone: it still scores the check criteria and feeds the model."""
    return build_scorer(Settings(rubric_path=None), engine="rules")


@pytest.fixture(scope="session")
def rule_score(rule_scorer: Scorer) -> Callable[..., Report]:
    def _score(text: str, **options) -> Report:
        return score_text(text, rule_scorer, **options)

    return _score


@pytest.fixture(scope="session")
def coach_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data_dir = tmp_path_factory.mktemp("coach-data")
    return child_env(COACH_DATA_DIR=str(data_dir), PYTHONIOENCODING="utf-8")


@pytest.fixture(scope="session")
def run_coach(coach_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """run_coach(*args, input=None, env=None) runs `python -m coach ARGS`; never a traceback."""

    def _run(
        *args: str | Path,
        input: str | bytes | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ):
        binary = isinstance(input, bytes)
        proc = subprocess.run(
            [sys.executable, "-m", "coach", *map(str, args)],
            input=input,
            capture_output=True,
            text=not binary,
            encoding=None if binary else "utf-8",
            cwd=REPO_ROOT,
            env={**coach_env, **(env or {})},
            timeout=timeout,
        )
        if binary:
            proc = subprocess.CompletedProcess(
                proc.args,
                proc.returncode,
                proc.stdout.decode("utf-8", "replace"),
                proc.stderr.decode("utf-8", "replace"),
            )
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    return _run
