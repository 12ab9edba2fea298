"""The ``coach`` command: a thin shell over the library.

Each command group lives in its own module with a ``register(subparsers)`` function.
This is the only place that turns library errors into messages and exit codes:
0 ok, 1 findings below a requested threshold (or some inputs failed), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

from pydantic import ValidationError

from coach import __version__
from coach.errors import CoachError

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

#: Modules under coach.cli that add sub-commands. Add a line to add a command group.
COMMAND_MODULES = [
    "coach.cli.scoring",
    "coach.cli.workshop",
    "coach.cli.library",
    "coach.cli.training",
    "coach.cli.planner",
    "coach.cli.settings_model",
    "coach.cli.checks_model",
    "coach.cli.rubric",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description=(
            "Narrative Coach: score public narratives (story of self, us, now) against "
            "framing criteria, with evidence and cited guidance. Works offline."
        ),
        epilog="Run 'coach COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not \t \n \r


def shown(text: str) -> str:
    """Text safe to print on a terminal: control characters (a file name's escape codes
    could recolour or rewrite the screen) are written as ``\\x1b`` and the like."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CoachError as exc:
        print(f"coach: error: {shown(str(exc))}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # a COACH_* setting or an option out of range
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        print(f"coach: error: invalid setting ({problems})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
