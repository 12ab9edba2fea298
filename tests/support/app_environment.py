"""Settings the app under test must not inherit from the developer's shell.

A developer who exports ``COACH_LLM_BASE_URL`` or ``COACH_DATABASE_URL`` for their own use
would otherwise point the UI and browser tests at their server. Both test folders start
the app with these names removed.
"""

from __future__ import annotations

import os

from coach.settings import Settings

#: Every COACH_* setting (the tests choose the data directory themselves).
ISOLATE = tuple(f"COACH_{name.upper()}" for name in Settings.model_fields)


def isolated_environment() -> dict[str, str]:
    """This process's environment without the settings in :data:`ISOLATE`."""
    return {k: v for k, v in os.environ.items() if k not in ISOLATE}
