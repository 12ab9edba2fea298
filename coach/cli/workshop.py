"""``coach workshop create|list|export|rotate-code``, ``coach backup`` and ``coach restore``.

Workshop commands act as a trainer: they ask for the trainer's password (or read it from
standard input with ``--password-stdin``), so the command line follows the same access rules
as the app. ``workshop create`` makes the trainer account on first use.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import InputError
from coach.settings import Settings

if TYPE_CHECKING:  # imported lazily below so that 'coach --help' stays fast
    from coach.storage import Access, Actor, Database


def register(subparsers: argparse._SubParsersAction) -> None:
    workshop = subparsers.add_parser(
        "workshop",
        help="create, list and export workshops (trainer)",
        description="Manage workshops as a trainer. Participants join in the app with the code.",
    )
    commands = workshop.add_subparsers(dest="workshop_command", metavar="ACTION", required=True)

    create = commands.add_parser("create", help="create a workshop and print its join code")
    create.add_argument("name", metavar="NAME", help="the workshop's name")
    _trainer_options(create)
    create.set_defaults(func=_create)

    listing = commands.add_parser("list", help="list the workshops you own")
    _trainer_options(listing)
    listing.set_defaults(func=_list)

    export = commands.add_parser("export", help="all drafts and scores of a workshop")
    export.add_argument("workshop_id", metavar="ID", type=record_id)
    export.add_argument(
        "--format",
        choices=["csv", "json", "html"],
        default="csv",
        help="csv: a row per draft; json: the full export (reports, comments); html: printable",
    )
    export.add_argument("--out", type=Path, help="write to FILE instead of standard output")
    export.add_argument(
        "--all-versions", action="store_true", help="one row per version, not only the latest"
    )
    _trainer_options(export)
    export.set_defaults(func=_export)

    rotate = commands.add_parser("rotate-code", help="replace a workshop's join code")
    rotate.add_argument("workshop_id", metavar="ID", type=record_id)
    _trainer_options(rotate)
    rotate.set_defaults(func=_rotate)

    backup = subparsers.add_parser(
        "backup",
        help="archive the data directory (.tar.gz)",
        description="Archive the data directory; SQLite databases are copied consistently "
        "even while the app runs. A PostgreSQL database is not included: use pg_dump.",
    )
    backup.add_argument("--out", type=Path, help="archive path (default: ./coach-backup-*.tar.gz)")
    backup.set_defaults(func=_backup)

    mine = subparsers.add_parser(
        "my-data",
        help="everything this machine's own user keeps: drafts, versions, scores, settings",
        description="Export, as JSON, the drafts (every version, with its report) and the "
        "records (preferences, builder answers, uploaded workshops) of the person who uses the "
        "app without an account. The same document as Settings > Download my data.",
    )
    mine.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    mine.set_defaults(func=_my_data)

    restore = subparsers.add_parser(
        "restore",
        help="restore the data directory from a backup",
        description="Unpack a backup as the data directory. The current directory is kept, "
        "renamed to <dir>.before-restore-<time>. Stop the app first.",
    )
    restore.add_argument("archive", metavar="FILE", type=Path)
    restore.set_defaults(func=_restore)


def record_id(value: str) -> int:
    """A database id as typed: a whole number the database can hold (else a usage error)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 1 <= number < 2**63:
        raise argparse.ArgumentTypeError(f"{value} is not a workshop id (see: coach workshop list)")
    return number


def _trainer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trainer", metavar="EMAIL", required=True, help="trainer's e-mail")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )


def _open() -> tuple[Database, Access]:
    from coach.services import build_services

    services = build_services()
    return services.db, services.access


def _password(args: argparse.Namespace, *, confirm: bool = False) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.trainer}: ")
        if confirm and getpass.getpass("Repeat the password: ") != password:
            raise InputError("the two passwords differ")
    if not password:
        raise InputError("no password given")
    return password


def _trainer(access: Access, args: argparse.Namespace, *, create: bool = False) -> Actor:
    if create and not access.trainer_exists(args.trainer):
        actor = access.create_trainer(args.trainer, _password(args, confirm=True))
        print(f"Created trainer account {args.trainer}.", file=sys.stderr)
        return actor
    # No client address here: failures count against this trainer's account only, so one
    # person's wrong passwords never lock the other trainers on this machine out.
    return access.login(args.trainer, _password(args)).actor


def _create(args: argparse.Namespace) -> int:
    db, access = _open()
    with db:
        actor = _trainer(access, args, create=True)
        new = access.create_workshop(actor, args.name)
    print(f"Workshop {new.workshop.id}: {new.workshop.name}")
    print(f"Join code: {new.join_code}")
    print(
        "The code is shown only now; 'coach workshop rotate-code "
        f"{new.workshop.id}' makes a new one.",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    db, access = _open()
    with db:
        actor = _trainer(access, args)
        workshops = access.list_workshops(actor)
    if not workshops:
        print("No workshops yet. Create one with: coach workshop create NAME --trainer EMAIL")
        return 0
    print(f"{'ID':>5}  {'PARTICIPANTS':>12}  {'DRAFTS':>6}  {'CREATED':<10}  NAME")
    for w in workshops:
        created = w.created_at.date().isoformat()
        print(f"{w.id:>5}  {w.participants:>12}  {w.drafts:>6}  {created:<10}  {w.name}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from coach.storage.export import workshop_rows
    from coach.workshops.exports import render

    db, access = _open()
    with db:
        actor = _trainer(access, args)
        rows = workshop_rows(db, actor, args.workshop_id, all_versions=args.all_versions)
    name = rows[0]["workshop"] if rows else f"workshop {args.workshop_id}"
    document = render(rows, name, args.format)
    if args.out:
        args.out.write_text(document, encoding="utf-8", newline="")
        print(f"Wrote {len(rows)} rows to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(document)
    return 0


def _my_data(args: argparse.Namespace) -> int:
    from coach.storage.export import person_export

    db, access = _open()
    with db:
        document = person_export(db, access.local_actor())
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(
            f"Wrote {len(document['drafts'])} drafts and {len(document['records'])} records "
            f"to {args.out}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0


def _rotate(args: argparse.Namespace) -> int:
    db, access = _open()
    with db:
        actor = _trainer(access, args)
        code = access.rotate_join_code(actor, args.workshop_id)
    print(f"New join code for workshop {args.workshop_id}: {code}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from coach.storage.backup import backup, default_backup_name

    settings = Settings()
    out = args.out or Path.cwd() / default_backup_name()
    result = backup(settings.data_dir, out)
    print(f"Backed up {result.files} files ({len(result.databases)} databases) to {result.path}")
    if settings.database_url:
        print(
            "Note: drafts live in PostgreSQL (COACH_DATABASE_URL) and are not in this archive; "
            "back them up with pg_dump.",
            file=sys.stderr,
        )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from coach.storage.backup import restore

    settings = Settings()
    result = restore(args.archive, settings.data_dir)
    print(f"Restored {result.files} files into {result.data_dir}")
    if result.moved_aside:
        print(f"The previous data directory was kept as {result.moved_aside}")
    if settings.database_url:
        print(
            "Note: drafts live in PostgreSQL (COACH_DATABASE_URL) and were not restored; "
            "use pg_restore for them.",
            file=sys.stderr,
        )
    return 0
