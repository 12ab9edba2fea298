"""Who sees what, and refusals: participants, trainers, join codes, passwords, sessions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from storage_support import FAST_HASHER, PASSWORD

from coach.storage import (
    Access,
    AccessDenied,
    AccountExists,
    Actor,
    Database,
    Drafts,
    InvalidCredentials,
    InvalidJoinCode,
    NameTaken,
    NotFound,
    RateLimited,
    SessionExpired,
    Throttle,
    WeakPassword,
    workshop_rows,
)
from coach.storage.access import ACCOUNT_FREE_FAILURES
from coach.storage.models import LoginSession, Person

# Every library call that takes a draft or version id, tried by Ben on Ana's draft.
ATTEMPTS: dict[str, Callable[[Drafts, Actor, int, int], object]] = {
    "get_draft": lambda d, who, draft, version: d.get_draft(who, draft),
    "list_versions": lambda d, who, draft, version: d.list_versions(who, draft),
    "latest_version": lambda d, who, draft, version: d.latest_version(who, draft),
    "get_version": lambda d, who, draft, version: d.get_version(who, version),
    "list_comments": lambda d, who, draft, version: d.list_comments(who, draft),
    "list_rehearsals": lambda d, who, draft, version: d.list_rehearsals(who, draft),
    "save_draft": lambda d, who, draft, version: d.save_draft(
        who, "x", "x", "self", draft_id=draft
    ),
    "restore_version": lambda d, who, draft, version: d.restore_version(who, version),
    "attach_report": lambda d, who, draft, version: d.attach_report(
        who, version, {"overall": 0}, rubric_version="x"
    ),
    "delete_draft": lambda d, who, draft, version: d.delete_draft(who, draft),
    "add_comment": lambda d, who, draft, version: d.add_comment(who, draft, "x"),
    "add_rehearsal": lambda d, who, draft, version: d.add_rehearsal(
        who, draft, duration_s=1, words=1
    ),
}


def test_a_participant_cannot_reach_another_participants_draft(drafts: Drafts, workshop) -> None:
    ana_v = drafts.save_draft(workshop.ana, "Ana's story", "Ana's private words.", "self")
    drafts.save_draft(workshop.ben, "Ben's story", "Ben's words.", "self")
    # Ben pretending to be a trainer changes nothing: visibility is decided by person id.
    forged = Actor(workshop.ben.person_id, "trainer", "Ben")

    for who in (workshop.ben, forged):
        assert [d.title for d in drafts.list_drafts(who)] == ["Ben's story"]
        assert drafts.list_drafts(who, workshop_id=workshop.workshop_id)[0].title == "Ben's story"
        for name, attempt in ATTEMPTS.items():
            with pytest.raises(NotFound):
                attempt(drafts, who, ana_v.draft_id, ana_v.id)
                pytest.fail(f"{name} let Ben reach Ana's draft")

        with pytest.raises(NotFound):
            workshop_rows(drafts.db, who, workshop.workshop_id)  # the trainer's export

    assert drafts.list_versions(workshop.ana, ana_v.draft_id) == [ana_v]  # untouched


def test_a_trainer_sees_their_workshop_and_nothing_else(
    access: Access, drafts: Drafts, workshop
) -> None:
    other = access.create_trainer("other@example.org", PASSWORD)
    theirs = access.create_workshop(other, "Autumn cohort")
    stranger = access.join(theirs.join_code, "Cleo").actor
    ana_v = drafts.save_draft(workshop.ana, "Ana's story", "words", "self")
    cleo_v = drafts.save_draft(stranger, "Cleo's story", "words", "self")

    assert [w.name for w in access.list_workshops(workshop.trainer)] == ["Spring cohort"]
    assert [d.id for d in drafts.list_drafts(workshop.trainer)] == [ana_v.draft_id]
    assert drafts.get_version(workshop.trainer, ana_v.id).text == "words"
    with pytest.raises(NotFound):
        drafts.get_version(workshop.trainer, cleo_v.id)
    with pytest.raises(NotFound):
        workshop_rows(access.db, workshop.trainer, theirs.workshop.id)
    with pytest.raises(NotFound):
        access.rotate_join_code(workshop.trainer, theirs.workshop.id)
    assert access.list_workshops(workshop.ana) == []


def test_only_the_workshops_trainer_comments_and_the_participant_reads_it(
    drafts: Drafts, workshop
) -> None:
    v = drafts.save_draft(workshop.ana, "t", "words", "self")
    with pytest.raises(AccessDenied):
        drafts.add_comment(workshop.ana, v.draft_id, "I like my own story")
    drafts.add_comment(workshop.trainer, v.draft_id, "Name the choice you made.")
    assert [c.body for c in drafts.list_comments(workshop.ana, v.draft_id)] == [
        "Name the choice you made."
    ]
    with pytest.raises(NotFound):  # the trainer reads, but never edits, a participant's draft
        drafts.save_draft(workshop.trainer, "t", "rewritten", "self", draft_id=v.draft_id)


def test_wrong_code_or_password_gets_a_clear_refusal(access: Access, workshop) -> None:
    with pytest.raises(InvalidJoinCode, match="join code"):
        access.join("AAAA-AAAA", "Dan")
    with pytest.raises(InvalidCredentials, match="wrong e-mail or password"):
        access.login("trainer@example.org", "not the password")
    with pytest.raises(InvalidCredentials, match="wrong e-mail or password"):
        access.login("nobody@example.org", PASSWORD)
    login = access.login("TRAINER@example.org ", PASSWORD)
    assert login.actor == workshop.trainer
    assert access.join(workshop.join_code.lower().replace("-", " "), "Dan").actor.name == "Dan"


def test_password_guessing_is_slowed_across_processes(
    database_url: str, access: Access, clock, workshop
) -> None:
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            access.login("trainer@example.org", "guess", client="203.0.113.9")
    with pytest.raises(RateLimited) as refused:
        access.login("trainer@example.org", PASSWORD, client="203.0.113.9")
    assert refused.value.retry_after_s == 2  # the first wait: seconds, not a lock-out

    # Another app process (its own engine) sees the same count: it lives in the database.
    with Database(database_url) as other_db:
        replica = Access(other_db, hasher=FAST_HASHER, clock=clock, throttle=Throttle(3))
        with pytest.raises(RateLimited):
            replica.login("trainer@example.org", PASSWORD, client="203.0.113.9")

    clock.advance(seconds=3)
    assert access.login("trainer@example.org", PASSWORD, client="203.0.113.9").actor


def test_each_further_failure_doubles_the_wait_up_to_a_cap(access: Access, clock) -> None:
    waits = []
    for _ in range(14):
        try:
            access.login("nobody@example.org", "guess", client="203.0.113.9")
        except InvalidCredentials:
            continue
        except RateLimited as refused:
            waits.append(refused.retry_after_s)
            clock.advance(seconds=refused.retry_after_s)
    assert waits[:4] == [2, 4, 8, 16]
    assert max(waits) <= 15 * 60


def test_someone_elses_guesses_do_not_keep_the_trainer_out(access: Access, clock, workshop) -> None:
    """Guesses from one address slow that address; the trainer, elsewhere, gets in at once.
    Guesses from many addresses slow the account, but for a minute at most."""
    for _ in range(5):
        with pytest.raises((InvalidCredentials, RateLimited)):
            access.login("trainer@example.org", "guess", client="203.0.113.9")
    assert access.login("trainer@example.org", PASSWORD, client="198.51.100.1").actor
    for n in range(ACCOUNT_FREE_FAILURES - 3):  # three failures already counted
        with pytest.raises(InvalidCredentials):
            access.login("trainer@example.org", "guess", client=f"192.0.2.{n}")
    with pytest.raises(RateLimited) as refused:
        access.login("trainer@example.org", PASSWORD, client="198.51.100.1")
    assert refused.value.retry_after_s <= 60


def test_join_code_guessing_is_slowed_per_client_and_the_room_waits_seconds(
    access: Access, clock, workshop
) -> None:
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"):
        with pytest.raises(InvalidJoinCode):
            access.join(guess, "Mallory", client="203.0.113.9")
    with pytest.raises(RateLimited, match="too many failed attempts; try again in 2 seconds"):
        access.join(workshop.join_code, "Dan", client="203.0.113.9")  # same Wi-Fi as Mallory
    assert access.join(workshop.join_code, "Eve", client="198.51.100.1").actor.name == "Eve"
    clock.advance(seconds=2)
    assert access.join(workshop.join_code, "Dan", client="203.0.113.9").actor.name == "Dan"


def test_sessions_expire_and_end_at_logout(access: Access, clock, workshop) -> None:
    login = access.login("trainer@example.org", PASSWORD)
    assert access.resume(login.token) == workshop.trainer
    clock.advance(hours=13)
    with pytest.raises(SessionExpired):
        access.resume(login.token)

    again = access.login("trainer@example.org", PASSWORD)
    access.logout(again.token)
    with pytest.raises(SessionExpired):
        access.resume(again.token)
    with pytest.raises(SessionExpired):
        access.resume("made-up-token")


def test_secrets_are_stored_only_as_hashes(db: Database, access: Access, workshop) -> None:
    login = access.login("trainer@example.org", PASSWORD)
    with db.read() as session:
        stored_tokens = session.scalars(select(LoginSession.token_hash)).all()
        trainer = session.get_one(Person, workshop.trainer.person_id)
    assert login.token not in stored_tokens and len(stored_tokens) >= 1
    assert trainer.password_hash and trainer.password_hash.startswith("$argon2id$")
    assert PASSWORD not in trainer.password_hash


def test_rotating_the_code_locks_out_the_old_one_only(
    access: Access, drafts: Drafts, workshop
) -> None:
    new_code = access.rotate_join_code(workshop.trainer, workshop.workshop_id)
    with pytest.raises(InvalidJoinCode):
        access.join(workshop.join_code, "Late Lucy")
    assert access.join(new_code, "Late Lucy").actor.name == "Late Lucy"
    drafts.save_draft(workshop.ana, "t", "still mine", "self")  # Ana is still in


def test_a_participant_comes_back_with_code_name_and_personal_key(
    access: Access, drafts: Drafts, workshop
) -> None:
    v = drafts.save_draft(workshop.ana, "t", "my words", "self")
    with pytest.raises(NameTaken, match="personal key"):
        access.join(workshop.join_code, " ana ")
    with pytest.raises(InvalidJoinCode):
        access.rejoin(workshop.join_code, "Ana", "WRONG-KEYS-HERE")
    back = access.rejoin(workshop.join_code, "ana", workshop.ana_key)
    assert back.actor == workshop.ana
    assert drafts.get_version(back.actor, v.id).text == "my words"


def test_trainer_accounts_need_a_real_password_and_a_new_email(access: Access, workshop) -> None:
    with pytest.raises(WeakPassword):
        access.create_trainer("new@example.org", "short")
    with pytest.raises(AccountExists):
        access.create_trainer("Trainer@Example.org", PASSWORD)
    with pytest.raises(AccessDenied):
        access.create_workshop(workshop.ana, "Ana's own workshop")


def test_one_guesser_does_not_lock_out_another_account(access: Access, workshop) -> None:
    """Without a client address (the CLI, or the app when it knows none) only the guessed
    account is limited: other trainers and participants still get in."""
    other = access.create_trainer("other@example.org", PASSWORD)
    for client in (None, "local", None):
        with pytest.raises(InvalidCredentials):
            access.login("trainer@example.org", "guess", client=client)
    with pytest.raises(RateLimited):
        access.login("trainer@example.org", PASSWORD)
    assert access.login("other@example.org", PASSWORD, client="local").actor == other

    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"):
        with pytest.raises(InvalidJoinCode):
            access.join(guess, "Mallory", client="local")
    assert access.join(workshop.join_code, "Dan", client="local").actor.name == "Dan"


def test_personal_key_guessing_is_limited_per_participant(access: Access, workshop) -> None:
    for _ in range(3):
        with pytest.raises(InvalidJoinCode):
            access.rejoin(workshop.join_code, "Ana", "WRONG-KEYS-HERE")
    with pytest.raises(RateLimited):
        access.rejoin(workshop.join_code, "Ana", workshop.ana_key)
    bea_key = access.join(workshop.join_code, "Bea").participant_key or ""
    assert access.rejoin(workshop.join_code, "Bea", bea_key).actor.name == "Bea"


def test_a_successful_login_clears_the_accounts_failures(access: Access, workshop) -> None:
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            access.login("trainer@example.org", "typo", client="local")
    access.login("trainer@example.org", PASSWORD, client="local")
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            access.login("trainer@example.org", "typo", client="local")
    assert access.login("trainer@example.org", PASSWORD, client="local").actor == workshop.trainer


def test_join_codes_and_personal_keys_are_keyed_so_a_database_copy_gives_nothing_away(
    db: Database, access: Access, workshop
) -> None:
    import hashlib

    from coach.storage.models import Participant, Workshop

    with db.read() as session:
        stored = session.get_one(Workshop, workshop.workshop_id).join_code_hash
        ana_key_hash = session.get_one(Participant, workshop.ana.person_id).key_hash
    typed = workshop.join_code.replace("-", "").encode()
    assert stored != hashlib.sha256(typed).hexdigest()  # not the plain hash of the code
    assert ana_key_hash != hashlib.sha256(workshop.ana_key.replace("-", "").encode()).hexdigest()
    elsewhere = Access(db, hasher=FAST_HASHER, code_key=b"another server's key")
    with pytest.raises(InvalidJoinCode):  # the code alone, without this server's key
        elsewhere.join(workshop.join_code, "Mallory")


def test_codes_stored_before_keys_still_work_once_and_are_then_keyed(
    db: Database, access: Access, workshop
) -> None:
    from coach.storage.access import code_hash, legacy_code_hash
    from coach.storage.models import Participant, Workshop

    with db.write() as session:  # as an older version stored them
        session.get_one(Workshop, workshop.workshop_id).join_code_hash = legacy_code_hash(
            workshop.join_code
        )
        ana = session.get_one(Participant, workshop.ana.person_id)
        ana.key_hash = legacy_code_hash(workshop.ana_key)
    assert access.rejoin(workshop.join_code, "Ana", workshop.ana_key).actor == workshop.ana
    assert access.join(workshop.join_code, "Cleo").actor.name == "Cleo"
    with db.read() as session:
        assert session.get_one(Workshop, workshop.workshop_id).join_code_hash == code_hash(
            workshop.join_code, access.code_key
        )
        assert session.get_one(Participant, workshop.ana.person_id).key_hash == code_hash(
            workshop.ana_key, access.code_key
        )
