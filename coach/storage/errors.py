"""Refusals the storage layer gives, each with a message a user can act on.

They subclass :class:`coach.errors.CoachError`, so the CLI and the app show the message and
never a traceback. "Not found" and "not yours" are one error on purpose: telling them apart
would let a participant probe which draft ids exist.
"""

from __future__ import annotations

from coach.errors import CoachError


class NotFound(CoachError):
    """The draft, version or workshop does not exist, or is not visible to this person."""


class AccessDenied(CoachError):
    """The person can see the thing but may not do this to it (e.g. a participant commenting)."""


class InvalidCredentials(CoachError):
    """Wrong e-mail or password; the message never says which one."""


class InvalidJoinCode(CoachError):
    """The join code (or a participant's personal key) does not match."""


class NameTaken(CoachError):
    """Someone with this name already joined the workshop."""


class AccountExists(CoachError):
    """A trainer account with this e-mail already exists."""


class WeakPassword(CoachError):
    """The new password is too short to protect a workshop's drafts."""


class SessionExpired(CoachError):
    """The session token is unknown, expired or logged out."""


class RateLimited(CoachError):
    """Too many failed attempts for this account or client; try again later."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RevisionConflict(CoachError):
    """A record was saved by someone else after it was read; read it again and redo the change."""

    def __init__(self, message: str, current_revision: int) -> None:
        super().__init__(message)
        self.current_revision = current_revision
