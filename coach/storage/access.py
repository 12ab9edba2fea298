"""Accounts, workshops, join codes and sessions: who may see which drafts.

The model in one paragraph: without accounts, everything belongs to one "local" owner (the
app on one's own machine). When the app is shared, a trainer has an account (argon2 password
hash), creates workshops and hands out a join code; a participant joins with the code and a
name, gets a personal key to come back later, and sees only their own drafts. A trainer sees
only the workshops they own and the drafts in them. Logins are random session tokens, stored
hashed, that expire. Failed logins and wrong codes are rate-limited in the database, so the
limit holds across app processes.

Failures slow further attempts down (doubling waits, never a long lock-out; see
``coach.storage.throttle``), counted per account and client (a trainer's e-mail from one
address; a participant's code and name) and per client address, plus a generous account-wide
allowance with a one-minute cap. Never per "everyone": a shared key would let one person's
wrong guesses keep every trainer out of the CLI, or a room out of joining.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.errors import InputError
from coach.settings import Settings
from coach.storage.actor import Actor
from coach.storage.db import Database
from coach.storage.errors import (
    AccessDenied,
    AccountExists,
    InvalidCredentials,
    InvalidJoinCode,
    NameTaken,
    NotFound,
    SessionExpired,
    WeakPassword,
)
from coach.storage.models import (
    Draft,
    LoginSession,
    Participant,
    Person,
    Workshop,
    utcnow,
)
from coach.storage.secret import server_key
from coach.storage.throttle import Limit, Throttle

# No 0/O, 1/I/L: codes are read aloud and copied from a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8  # 31**8 ~ 2**40 codes; with the rate limit, guessing is hopeless
PARTICIPANT_KEY_LENGTH = 12
MAX_NAME = 80
LOCAL_NAME = "Me"
#: Client values that identify nobody: the app passes "local" when it knows no address.
NO_CLIENT = ("", "local")
#: Failures at one account from anywhere before its attempts wait, and the longest wait.
ACCOUNT_FREE_FAILURES = 20
ACCOUNT_MAX_WAIT = timedelta(minutes=1)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Login:
    """A session: keep ``token`` (e.g. in a cookie) and pass it to :meth:`Access.resume`."""

    token: str
    actor: Actor
    expires_at: datetime
    #: Shown once when a participant joins: with the code and their name it lets them back in.
    participant_key: str | None = None


@dataclass(frozen=True)
class WorkshopInfo:
    id: int
    name: str
    trainer_id: int
    created_at: datetime
    code_rotated_at: datetime
    participants: int = 0
    drafts: int = 0


@dataclass(frozen=True)
class NewWorkshop:
    workshop: WorkshopInfo
    #: Only shown now; the database keeps a hash. Rotate to get a new one.
    join_code: str


def random_code(length: int) -> str:
    """A human-friendly random code, grouped by four: ``"K7QM-2XHD"``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i : i + 4] for i in range(0, length, 4))


def code_hash(code: str, key: bytes) -> str:
    """Keyed hash (HMAC-SHA-256) of a code typed in any case, with or without dashes and
    spaces: a copy of the database alone cannot be searched for codes."""
    return hmac.new(key, _normalized(code), hashlib.sha256).hexdigest()


def legacy_code_hash(code: str) -> str:
    """How codes were stored before keys (unkeyed SHA-256): still accepted, and replaced by
    the keyed hash the first time the code is used."""
    return hashlib.sha256(_normalized(code)).hexdigest()


def _normalized(code: str) -> bytes:
    return "".join(ch for ch in code.upper() if ch.isalnum()).encode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 320 or any(c.isspace() for c in email):
        raise InputError(f"not an e-mail address: {email!r}")
    return email


def clean_name(name: str) -> tuple[str, str]:
    """Display name (whitespace collapsed) and the key two names collide on."""
    display = " ".join(name.split())
    if not display or len(display) > MAX_NAME:
        raise InputError(f"a name is needed (1 to {MAX_NAME} characters)")
    return display, display.casefold()


class Access:
    """Accounts, workshops and sessions over one :class:`Database`."""

    def __init__(
        self,
        db: Database,
        *,
        hasher: PasswordHasher | None = None,
        clock: Clock = utcnow,
        session_ttl: timedelta = timedelta(hours=12),
        throttle: Throttle | None = None,
        min_password_length: int = 10,
        code_key: bytes | None = None,
    ) -> None:
        """``code_key`` keys join codes and personal keys (default: ``server_key(Settings())``)."""
        self.db = db
        self.code_key = code_key if code_key is not None else server_key(Settings())
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.session_ttl = session_ttl
        self.throttle = throttle or Throttle()
        self.min_password_length = min_password_length
        self._dummy_hash: str | None = None

    # -- the local owner ------------------------------------------------------------------

    def local_actor(self) -> Actor:
        """The single owner used when nobody logs in (one person on their own machine)."""
        for _ in range(3):
            with self.db.read() as session:
                person = session.scalar(select(Person).where(Person.role == "local"))
            if person is not None:
                return _actor(person)
            try:
                with self.db.write() as session:
                    session.add(Person(role="local", name=LOCAL_NAME, created_at=self.clock()))
            except IntegrityError:
                pass  # another process created it first; read it back
        raise RuntimeError("could not create the local owner")

    # -- trainers -------------------------------------------------------------------------

    def create_trainer(self, email: str, password: str, name: str | None = None) -> Actor:
        email = normalize_email(email)
        if len(password) < self.min_password_length:
            raise WeakPassword(
                f"choose a password of at least {self.min_password_length} characters"
            )
        display, _ = clean_name(name or email.split("@")[0])
        password_hash = self.hasher.hash(password)
        try:
            with self.db.write() as session:
                person = Person(
                    role="trainer",
                    name=display,
                    email=email,
                    password_hash=password_hash,
                    created_at=self.clock(),
                )
                session.add(person)
                session.flush()
                return _actor(person)
        except IntegrityError as exc:
            raise AccountExists(f"a trainer account for {email} already exists") from exc

    def trainer_exists(self, email: str) -> bool:
        with self.db.read() as session:
            found = session.scalar(select(Person.id).where(Person.email == normalize_email(email)))
        return found is not None

    def login(self, email: str, password: str, *, client: str | None = None) -> Login:
        """Check a trainer's password; refuse and count the failure when it is wrong.

        Failures count against the account and, if ``client`` (an address) is given,
        against that client; a successful login clears the account's count.
        """
        email = normalize_email(email)
        now = self.clock()
        # This client's guesses at this account wait quickly; the account as a whole has a
        # generous allowance and a one-minute cap, so guesses from elsewhere slow down
        # distributed guessing without keeping the trainer out for long.
        keys: list[str | Limit] = [
            f"login:{email}:{_client_part(client)}",
            *_client_keys("client", client),
            Limit(f"login:{email}", ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_WAIT),
        ]
        with self.db.write() as session:
            charged = self.throttle.charge(session, keys, now)
            person = session.scalar(
                select(Person).where(Person.email == email, Person.role == "trainer")
            )
        # Verify against a dummy hash for unknown e-mails so timing does not reveal accounts.
        stored = person.password_hash if person and person.password_hash else self._dummy()
        if not self._verify(stored, password) or person is None:
            raise InvalidCredentials("wrong e-mail or password")  # the charge stands
        with self.db.write() as session:
            self.throttle.refund(session, charged)
            self.throttle.clear(session, keys[0])
            if self.hasher.check_needs_rehash(stored):
                session.get_one(Person, person.id).password_hash = self.hasher.hash(password)
            return self._start_session(session, person, now)

    # -- workshops ------------------------------------------------------------------------

    def create_workshop(self, actor: Actor, name: str) -> NewWorkshop:
        display, _ = clean_name(name)
        for _ in range(5):
            code = random_code(JOIN_CODE_LENGTH)
            try:
                with self.db.write() as session:
                    self._require_trainer(session, actor)
                    now = self.clock()
                    workshop = Workshop(
                        name=display,
                        trainer_id=actor.person_id,
                        join_code_hash=self._hash(code),
                        code_rotated_at=now,
                        created_at=now,
                    )
                    session.add(workshop)
                    session.flush()
                    return NewWorkshop(_workshop_info(workshop), code)
            except IntegrityError:
                continue  # the same code twice: astronomically rare, just draw again
        raise RuntimeError("could not draw a unique join code")

    def rotate_join_code(self, actor: Actor, workshop_id: int) -> str:
        """A new join code; the old one stops working at once (people already in stay in)."""
        code = random_code(JOIN_CODE_LENGTH)
        with self.db.write() as session:
            workshop = self._owned_workshop(session, actor, workshop_id)
            workshop.join_code_hash = self._hash(code)
            workshop.code_rotated_at = self.clock()
        return code

    def list_workshops(self, actor: Actor) -> list[WorkshopInfo]:
        """The live workshops this actor owns (none for participants and the local owner)."""
        participants = (
            select(func.count())
            .where(Participant.workshop_id == Workshop.id)
            .correlate(Workshop)
            .scalar_subquery()
        )
        drafts = (
            select(func.count())
            .where(Draft.workshop_id == Workshop.id)
            .correlate(Workshop)
            .scalar_subquery()
        )
        query = (
            select(Workshop, participants, drafts)
            .where(Workshop.trainer_id == actor.person_id, Workshop.kind == "live")
            .order_by(Workshop.id)
        )
        with self.db.read() as session:
            return [
                _workshop_info(workshop, people, count)
                for workshop, people, count in session.execute(query)
            ]

    # -- participants ---------------------------------------------------------------------

    def join(self, code: str, name: str, *, client: str | None = None) -> Login:
        """Join a workshop as a new participant; returns a session and a personal key.

        A wrong code matches no account, so only a known ``client`` is rate-limited; with
        no client, guessing is left to the code's size (31**8 codes, ~8.5e11).
        """
        now = self.clock()
        keys = _client_keys("join", client)
        with self.db.write() as session:
            charged = self.throttle.charge(session, keys, now)
            workshop = session.scalar(
                select(Workshop).where(Workshop.join_code_hash.in_(self._hashes(code)))
            )
            if workshop is not None and workshop.join_code_hash != self._hash(code):
                workshop.join_code_hash = self._hash(code)  # a code from before keys
        if workshop is None:
            raise InvalidJoinCode("that join code does not match any workshop; ask your trainer")
        display, name_key = clean_name(name)
        personal_key = random_code(PARTICIPANT_KEY_LENGTH)
        with self.db.write() as session:
            self.throttle.refund(session, charged)  # a right code: not a failure
        try:
            with self.db.write() as session:
                person = Person(role="participant", name=display, created_at=now)
                session.add(person)
                session.flush()
                session.add(
                    Participant(
                        person_id=person.id,
                        workshop_id=workshop.id,
                        name_key=name_key,
                        key_hash=self._hash(personal_key),
                    )
                )
                session.flush()
                login = self._start_session(session, person, now)
        except IntegrityError as exc:
            raise NameTaken(
                f"someone called {display!r} already joined this workshop; if that is you, "
                "come back with your personal key, otherwise add an initial to your name"
            ) from exc
        return Login(login.token, login.actor, login.expires_at, participant_key=personal_key)

    def rejoin(
        self, code: str, name: str, personal_key: str, *, client: str | None = None
    ) -> Login:
        """Come back to one's drafts with the join code, the same name and the personal key.

        Failures count against that participant (code and name) and the client, if known.
        """
        now = self.clock()
        _, name_key = clean_name(name)
        keys = [f"rejoin:{self._hash(code)}:{name_key}", *_client_keys("join", client)]
        with self.db.write() as session:
            charged = self.throttle.charge(session, keys, now)
            found = session.execute(
                select(Person, Participant)
                .join(Participant, Participant.person_id == Person.id)
                .join(Workshop, Workshop.id == Participant.workshop_id)
                .where(
                    Workshop.join_code_hash.in_(self._hashes(code)),
                    Participant.name_key == name_key,
                )
            ).first()
        stored = found[1].key_hash if found is not None else ""
        if not any(hmac.compare_digest(stored, given) for given in self._hashes(personal_key)):
            raise InvalidJoinCode("the join code, name and personal key do not match")
        with self.db.write() as session:
            self.throttle.refund(session, charged)
            self.throttle.clear(session, keys[0])
            participant = session.get_one(Participant, found[1].person_id)
            participant.key_hash = self._hash(personal_key)  # keyed from now on
            return self._start_session(session, found[0], now)

    def _hash(self, code: str) -> str:
        return code_hash(code, self.code_key)

    def _hashes(self, code: str) -> list[str]:
        """The keyed hash, and the unkeyed one codes made before keys were stored as."""
        return [self._hash(code), legacy_code_hash(code)]

    # -- sessions -------------------------------------------------------------------------

    def resume(self, token: str) -> Actor:
        """The actor behind a session token; refuses unknown, expired or logged-out tokens."""
        with self.db.read() as session:
            person = session.scalar(
                select(Person)
                .join(LoginSession, LoginSession.person_id == Person.id)
                .where(
                    LoginSession.token_hash == token_hash(token),
                    LoginSession.expires_at > self.clock(),
                )
            )
        if person is None:
            raise SessionExpired("your session has expired or is not valid; log in again")
        return _actor(person)

    def logout(self, token: str) -> None:
        with self.db.write() as session:
            session.execute(
                delete(LoginSession).where(LoginSession.token_hash == token_hash(token))
            )

    # -- helpers --------------------------------------------------------------------------

    def _start_session(self, session: Session, person: Person, now: datetime) -> Login:
        token = secrets.token_urlsafe(32)
        expires = now + self.session_ttl
        session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
        session.add(
            LoginSession(
                token_hash=token_hash(token),
                person_id=person.id,
                created_at=now,
                expires_at=expires,
            )
        )
        return Login(token, _actor(person), expires)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        return self._dummy_hash

    @staticmethod
    def _require_trainer(session: Session, actor: Actor) -> None:
        role = session.scalar(select(Person.role).where(Person.id == actor.person_id))
        if role != "trainer":
            raise AccessDenied("only a trainer account can create or manage workshops")

    @staticmethod
    def _owned_workshop(session: Session, actor: Actor, workshop_id: int) -> Workshop:
        workshop = session.get(Workshop, workshop_id)
        if workshop is None or workshop.trainer_id != actor.person_id or workshop.kind != "live":
            raise NotFound(f"no workshop {workshop_id} among yours")
        return workshop


def _client_part(client: str | None) -> str:
    """The client as part of a key: its address, or "-" when the caller knows none."""
    if client is None or client.strip().lower() in NO_CLIENT:
        return "-"
    return client.strip()


def _client_keys(kind: str, client: str | None) -> list[str]:
    """The throttle key for a real client address; none when the caller knows none."""
    if client is None or client.strip().lower() in NO_CLIENT:
        return []
    return [f"{kind}:{client.strip()}"]


def _actor(person: Person) -> Actor:
    return Actor(person_id=person.id, role=person.role, name=person.name)  # type: ignore[arg-type]


def _workshop_info(workshop: Workshop, participants: int = 0, drafts: int = 0) -> WorkshopInfo:
    return WorkshopInfo(
        id=workshop.id,
        name=workshop.name,
        trainer_id=workshop.trainer_id,
        created_at=workshop.created_at,
        code_rotated_at=workshop.code_rotated_at,
        participants=participants,
        drafts=drafts,
    )
