"""``coach rubric check``: validate a rubric file and run its own examples.

A trainer's rubric is held to the same standard as ours: every name it uses must be in the
vocabulary, and each criterion's ``examples`` must score the level they state.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from coach.errors import InputError

_EXCERPT = 60

CHECK_HELP = """\
Validate a rubric file, then score each criterion's examples with the rule engine.

Validation: the file is read safely (plain YAML, at most 1 MB); every signal it names
(lex:, re:, feat:, doc:) must exist, every story type in 'weights' must be known, thresholds
must be in range. Problems are printed one per line.

Examples: a criterion may carry fixtures, each a text and the level (0, 1 or 2) that text
alone should earn for that criterion. For a criterion 'challenge', say:

  examples:
    - {level: 2, text: "Last winter the boiler broke down and we slept in our coats for nine days."}
    - {level: 0, text: "Our book club meets on the first Thursday of every month."}

Exit status: 0 the rubric is valid and every example scores its level; 1 the rubric is
invalid or an example scores another level; 2 the file cannot be found (usage error)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    rubric = subparsers.add_parser(
        "rubric",
        help="work with rubric files (check one)",
        description="Work with rubric files: the criteria, signals and examples that score drafts.",
    )
    rubric.set_defaults(func=lambda args: _usage(rubric))
    actions = rubric.add_subparsers(dest="rubric_command", metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate a rubric file and run its examples",
        description=CHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("file", type=Path, metavar="FILE", help="rubric file (YAML)")
    check.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text for people; json for scripts (one object with problems and examples)",
    )
    check.set_defaults(func=run_check)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_check(args: argparse.Namespace) -> int:
    from coach.scoring.rubric import InvalidRubric, load_rubric

    if not args.file.is_file():
        raise InputError(f"{args.file}: no such file")
    try:
        rubric = load_rubric(args.file)
    except InvalidRubric as exc:
        return _report(args, problems=list(exc.problems), results=[], rubric=None)
    return _report(args, problems=[], results=_run_examples(rubric), rubric=rubric)


def _run_examples(rubric) -> list:
    """The rule engine with the embedder, as ``coach eval --engine rules`` and our tests use."""
    from coach.scoring.engine import Scorer, run_examples
    from coach.text.embeddings import Embedder

    if not any(c.examples for c in rubric.criteria):
        return []
    return run_examples(Scorer(rubric, embedder=Embedder()))


def _report(args: argparse.Namespace, *, problems: list[str], results: list, rubric) -> int:
    ok = not problems and all(r.passed for r in results)
    if args.format == "json":
        print(json.dumps(_as_json(args.file, problems, results, rubric, ok), indent=2))
    else:
        print(_as_text(args.file, problems, results, rubric))
    return 0 if ok else 1


def _as_json(path: Path, problems: list[str], results: list, rubric, ok: bool) -> dict:
    return {
        "file": str(path),
        "valid": not problems,
        "ok": ok,
        "rubric": {"id": rubric.id, "version": rubric.version} if rubric else None,
        "problems": problems,
        "examples": [r.to_dict() for r in results],
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "without_examples": _without_examples(rubric),
    }


def _as_text(path: Path, problems: list[str], results: list, rubric) -> str:
    if problems:
        lines = [f"{path}: {p}" for p in problems]
        noun = "problem" if len(problems) == 1 else "problems"
        return "\n".join([*lines, f"{path}: invalid rubric ({len(problems)} {noun})"])
    lines = [
        f"{path}: valid rubric '{rubric.id}' version {rubric.version}, "
        f"{len(rubric.criteria)} criteria"
    ]
    for r in results:
        where = f"{r.criterion} example {r.number}"
        if r.passed:
            lines.append(f"pass  {where}: level {r.level}")
        else:
            lines.append(
                f"FAIL  {where}: expected {r.level}, scored {r.scored} ({r.reason}) "
                f"for {_excerpt(r.text)!r}"
            )
    failed = sum(not r.passed for r in results)
    summary = f"{len(results)} examples: {len(results) - failed} pass, {failed} fail"
    missing = _without_examples(rubric)
    if missing:
        summary += f"; no examples for {', '.join(missing)}"
    return "\n".join([*lines, summary])


def _without_examples(rubric) -> list[str]:
    return [c.id for c in rubric.criteria if not c.examples] if rubric else []


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"
