"""Settings the app under test must not inherit from the developer's shell.

A developer who exports ``COACH_LLM_BASE_URL`` or ``COACH_DATABASE_URL`` for their own use
would otherwise point the UI and browser tests at their server. Both test folders start
the app with these names removed.
"""

from __future__ import annotations

import os

ISOLATE = (
    "COACH_DATABASE_URL",
    "COACH_CHROMA_URL",
    "COACH_RUBRIC_PATH",
    "COACH_LLM_BASE_URL",
    "COACH_LLM_MODEL",
    "COACH_LLM_API_KEY",
    "COACH_TRANSCRIPTION_MODEL",
    "COACH_TRANSCRIPTION_BASE_URL",
    "COACH_SPEAKING_RATE_WPM",
    "COACH_DEFAULT_STORY_TYPE",
)


def isolated_environment() -> dict[str, str]:
    """This process's environment without the settings in :data:`ISOLATE`."""
    return {k: v for k, v in os.environ.items() if k not in ISOLATE}
