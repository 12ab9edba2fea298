"""Storage for drafts, versions, workshops and access: SQLite by default, PostgreSQL if set.

Build the pieces once and pass them in::

    db = Database.from_settings(settings)          # opens and migrates
    access = Access(db)
    drafts = Drafts(db)
    me = access.local_actor()                      # no accounts: one owner on this machine
    v = drafts.save_draft(me, "My story", text, "self")
    Records(db).put(me, "preferences", "", {"speaking_rate_wpm": 140})   # the app's own data

See docs/storage.md for the data model, the access model and shared deployments.
"""

from coach.storage.access import Access, Login, NewWorkshop, WorkshopInfo
from coach.storage.actor import Actor
from coach.storage.db import Database, database_url
from coach.storage.drafts import CommentInfo, DraftInfo, Drafts, RehearsalInfo, Version
from coach.storage.errors import (
    AccessDenied,
    AccountExists,
    InvalidCredentials,
    InvalidJoinCode,
    NameTaken,
    NotFound,
    RateLimited,
    RevisionConflict,
    SessionExpired,
    WeakPassword,
)
from coach.storage.export import person_export, workshop_rows
from coach.storage.records import RecordInfo, Records
from coach.storage.throttle import Throttle
from coach.storage.workshops import UploadedWorkshop, Workshops

__all__ = [
    "Access",
    "AccessDenied",
    "AccountExists",
    "Actor",
    "CommentInfo",
    "Database",
    "DraftInfo",
    "Drafts",
    "InvalidCredentials",
    "InvalidJoinCode",
    "Login",
    "NameTaken",
    "NewWorkshop",
    "NotFound",
    "RateLimited",
    "RecordInfo",
    "Records",
    "RehearsalInfo",
    "RevisionConflict",
    "SessionExpired",
    "Throttle",
    "UploadedWorkshop",
    "Version",
    "WeakPassword",
    "WorkshopInfo",
    "Workshops",
    "database_url",
    "person_export",
    "workshop_rows",
]
