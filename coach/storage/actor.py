"""Who is asking: every storage call that reads or writes drafts takes an Actor.

An Actor comes from :class:`coach.storage.access.Access` (the local owner, a trainer login, a
participant join, or a resumed session); the services decide what it may see from the
database, never from fields a caller could set, except the person id itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["local", "trainer", "participant"]


@dataclass(frozen=True)
class Actor:
    person_id: int
    role: Role
    name: str

    @property
    def is_trainer(self) -> bool:
        return self.role == "trainer"
