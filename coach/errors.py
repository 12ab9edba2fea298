"""Errors the user can act on. The CLI and the app show their message, never a traceback."""


class CoachError(Exception):
    """Base for errors with a clear, user-facing message."""


class InputError(CoachError):
    """The input could not be read or is not usable text (binary, empty, too large...)."""


class RubricError(CoachError):
    """A rubric file is invalid; the message names the file and the criterion."""


class ServiceError(CoachError):
    """An optional service (LLM endpoint, Chroma server, database) failed or is unreachable."""


class ConfigError(CoachError):
    """A setting is missing or contradicts another; the message names the setting."""
