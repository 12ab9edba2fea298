"""The environment tests and the processes they start run in.

A developer who exports ``COACH_LLM_BASE_URL`` or ``COACH_DATABASE_URL`` for their own use
would otherwise point the tests at their server. ``tests/conftest.py`` removes every
``COACH_*`` variable for each test and gives it a data directory of its own; a child
process gets the ``COACH_*`` settings it is handed and no others (also when a benchmark,
outside pytest, starts the app through these helpers).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Keep Chroma and onnxruntime from phoning home, here and in every child.
QUIET = {"ORT_DISABLE_TELEMETRY": "1", "ANONYMIZED_TELEMETRY": "False"}


def is_setting(name: str) -> bool:
    """Whether coach.settings.Settings reads this variable: prefix ``COACH_``, in any case."""
    return name.upper().startswith("COACH_")


def child_env(**variables: str) -> dict[str, str]:
    """This environment for a child interpreter: no COACH_* settings but ``variables``.

    The project is importable (also for scripts run from a test folder) and telemetry is off.
    """
    env = {name: value for name, value in os.environ.items() if not is_setting(name)}
    env.update(QUIET)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.update(variables)
    return env
