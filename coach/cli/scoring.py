"""``coach score``, ``coach review`` and ``coach eval``: the scorer's stable interfaces."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.cli import shown
from coach.coaching.plain_text import format_plan, format_report
from coach.errors import CoachError, InputError
from coach.scoring.rubric import STORY_TYPES
from coach.settings import Settings

MAX_DETAILED = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    score = subparsers.add_parser(
        "score",
        help="score one draft against the framing criteria",
        description=(
            "Score one draft (a file, or - for standard input) against the rubric's criteria. "
            "Each score comes with the sentences that earned it."
        ),
    )
    score.add_argument("path", help="draft file (.txt .md .html .docx .pdf) or - for stdin")
    _common(score)
    score.add_argument("--format", choices=["text", "json"], default="text")
    score.add_argument(
        "--no-guidance",
        action="store_true",
        help="skip the source library: feedback without cited passages (faster)",
    )
    score.add_argument(
        "--fail-under",
        type=int,
        metavar="N",
        help="exit 1 when the overall score is below N (for scripts and CI)",
    )
    score.set_defaults(func=run_score)

    coaching = subparsers.add_parser(
        "eval-coaching",
        help="compare coaching plans with trainers' reference plans",
        description=(
            "Scores and coaches each draft of a coaching check set (a folder with texts/ and "
            "plans.jsonl, e.g. datasets/coaching) for its labelled story type, and compares "
            "the plan with the trainer's: first fix, steps aimed at criteria already strong, "
            "ready drafts recognised, sentences repeated across drafts."
        ),
    )
    coaching.add_argument("directory", type=Path, metavar="DIR")
    coaching.add_argument("--rubric", type=Path, help="rubric file (default: built-in)")
    coaching.add_argument("--format", choices=["text", "json"], default="text")
    coaching.set_defaults(func=run_eval_coaching)

    review = subparsers.add_parser(
        "review",
        help="score many drafts (files, folders, a CSV) into one table",
        description=(
            "Score many drafts: files, folders (every file inside), or a CSV with a text column "
            "(and optionally a name column). One bad input is reported and the batch goes on; "
            "exit 1 if any input failed."
        ),
    )
    review.add_argument("paths", nargs="+", metavar="PATH")
    _common(review)
    review.add_argument("--format", choices=["csv", "jsonl", "html"], default="csv")
    review.add_argument("--out", type=Path, help="write here instead of standard output")
    review.add_argument("--text-column", help="CSV column holding the drafts (default: auto)")
    review.add_argument("--workers", type=int, default=2, help="scoring processes (default 2)")
    review.set_defaults(func=run_review)

    evaluate = subparsers.add_parser(
        "eval",
        help="agreement of the scorer with human labels",
        description=(
            "Compare scores with human labels in DIR/labels.jsonl (texts in DIR/texts/<id>.txt): "
            "exact and within-one agreement and quadratic-weighted kappa per criterion (every "
            "criterion the labels have), the Spearman correlation of overall (all texts and "
            "narratives only), self/us/now accuracy, and evidence precision/recall when the "
            "labels quote evidence sentences."
        ),
    )
    evaluate.add_argument("directory", type=Path, metavar="DIR")
    evaluate.add_argument(
        "--engine",
        choices=["learned", "rules"],
        default="learned",
        help="learned: the default scorer; rules: the rubric's rule engine alone (comparison)",
    )
    evaluate.add_argument("--rubric", type=Path, help="rubric file (default: built-in)")
    evaluate.add_argument("--format", choices=["text", "json"], default="text")
    evaluate.add_argument("--per-text", action="store_true", help="also list each text's scores")
    evaluate.set_defaults(func=run_eval)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--type",
        dest="story_type",
        choices=STORY_TYPES,
        help="story type whose weights set 'overall' (default: narrative)",
    )
    parser.add_argument("--rubric", type=Path, help="rubric file (default: built-in)")
    parser.add_argument("--wpm", type=int, help="speaking rate in words per minute (default 135)")


def run_eval_coaching(args: argparse.Namespace) -> int:
    from coach.cli.planner import print_close_calls
    from coach.coaching.coached import coach_text
    from coach.coaching.evaluate import evaluate_plans, load_plans
    from coach.scoring.pipeline import score_text
    from coach.services import build_services

    rows = load_plans(args.directory)
    scorer = build_services(_settings(args)).scorer

    def plan_of(text: str, story_type: str | None):
        report = score_text(text, scorer, story_type=story_type)
        return coach_text(report, scorer, text).plan  # as users get it, without the library

    report = evaluate_plans(rows, plan_of)
    if args.format == "json":
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['n']} drafts from {args.directory}")
    print(
        f"first fix matches the trainer's        {report['first_fix_exact']:.0%} exactly, "
        f"{report['first_fix_same_criterion']:.0%} by criterion"
    )
    print(f"steps aimed at a criterion labelled 2  {report['steps_aimed_at_strong']:.0%}")
    print(
        f"ready drafts recognised                {report['ready_recognised']} "
        f"(said ready: {report['said_ready']})"
    )
    print(
        f"most repeated coaching sentence        in {report['most_repeated_sentence_share']:.0%} "
        f"of drafts; {report['sentences_over_20_percent']} sentences in more than 20%"
    )
    if report["most_repeated_sentence"]:
        print(f"  it is: {report['most_repeated_sentence']}")
    print(f"plans quoting one sentence in two steps {report['plans_quoting_a_sentence_twice']}")
    quoting = report["steps_quoting_a_labelled_sentence"]
    print(f"steps quoting a sentence the labeller quoted {quoting:.0%}")
    print_close_calls(report)
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with command-line overrides validated the same way."""
    overrides = {}
    if getattr(args, "rubric", None) is not None:
        overrides["rubric_path"] = args.rubric
    if getattr(args, "wpm", None) is not None:
        overrides["speaking_rate_wpm"] = args.wpm
    return Settings(**overrides)


def _read_input(path: str) -> str:
    from coach.library.sources import decode_text
    from coach.workshops.review import read_document

    if path == "-":
        return decode_text(sys.stdin.buffer.read(), "standard input")
    file = Path(path)
    if not file.exists():
        raise InputError(f"{path}: no such file")
    if file.is_dir():
        raise InputError(f"{path}: is a folder; use 'coach review' for many drafts")
    try:
        return read_document(file)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def run_score(args: argparse.Namespace) -> int:
    from coach.scoring.pipeline import score_text
    from coach.services import build_services

    services = build_services(_settings(args))
    settings = services.settings
    text = _read_input(args.path)
    if not settings.chroma_url and not (settings.data_dir / "chroma").exists():
        print(
            "coach: first run in this data directory: loading the models and indexing the "
            "built-in library (a few seconds; later runs skip the indexing)",
            file=sys.stderr,
            flush=True,
        )
    report = score_text(
        text,
        services.scorer,
        story_type=args.story_type,
        speaking_rate_wpm=settings.speaking_rate_wpm,
        max_words=settings.max_words,
    )
    wants_guidance = not args.no_guidance and report.assessed
    coached = services.coach(report, text, cited=wants_guidance and _library_opens(services))
    if coached.guidance_note:
        print(f"coach: warning: {coached.guidance_note}", file=sys.stderr)
    report = coached.report
    if args.format == "json":
        print(json.dumps(coached.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
        print(format_plan(coached.plan, coached.feedback))
    if report.nothing_to_score:
        print("coach: error: nothing to score: the draft is empty", file=sys.stderr)
        return 2
    if not report.assessed:
        print(f"coach: not scored: {report.why_not_assessed}", file=sys.stderr)
    if args.fail_under is not None and report.overall < args.fail_under:
        return 1
    return 0


def _library_opens(services) -> bool:
    """Whether the source library can be opened; says why not (a warning) when it cannot."""
    try:
        return services.retriever is not None
    except CoachError as exc:
        print(f"coach: warning: no cited guidance ({exc})", file=sys.stderr)
        return False


def _progress_bar(total: int):
    if not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="draft", file=sys.stderr)
    return (lambda done, _total: bar.update(done - bar.n)), bar


def run_review(args: argparse.Namespace) -> int:
    from coach.scoring.pipeline import build_scorer
    from coach.workshops.review import FORMATS, ReviewOptions, collect_items, review

    settings = _settings(args)
    items = list(collect_items(args.paths, args.text_column))
    if not items:
        raise InputError("no drafts found in the given paths")
    progress, bar = _progress_bar(len(items))
    try:
        options = ReviewOptions(
            story_type=args.story_type,
            speaking_rate_wpm=settings.speaking_rate_wpm,
            max_words=settings.max_words,
            rubric_path=str(settings.rubric_path) if settings.rubric_path else None,
        )
        rows = review(
            items, build_scorer(settings), options, workers=args.workers, progress=progress
        )
    finally:
        if bar is not None:
            bar.close()
    output = FORMATS[args.format](rows)
    if args.out:
        try:
            args.out.write_text(output, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{args.out}: cannot write ({exc.strerror})") from exc
    else:
        sys.stdout.write(shown(output) if sys.stdout.isatty() else output)
    failed = [row for row in rows if row.error]
    for row in failed:
        print(shown(f"coach: {row.item.source}: {row.error}"), file=sys.stderr)
    print(f"coach: scored {len(rows) - len(failed)} of {len(rows)} drafts", file=sys.stderr)
    return 1 if failed else 0


def run_eval(args: argparse.Namespace) -> int:
    from coach.scoring.evaluate import evaluate, load_labelled_dir
    from coach.scoring.pipeline import build_scorer, score_text

    settings = _settings(args)
    items = load_labelled_dir(args.directory)
    scorer = build_scorer(settings, engine=args.engine)
    result = evaluate(
        items, lambda text: score_text(text, scorer, speaking_rate_wpm=settings.speaking_rate_wpm)
    )
    if args.format == "json":
        if not args.per_text:
            result = {k: v for k, v in result.items() if k != "per_text"}
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['n']} labelled texts in {args.directory}\n")
    print(f"{'criterion':<22}{'exact':>8}{'within-1':>10}{'QWK':>8}")
    for cid, m in result["criteria"].items():
        print(f"{cid:<22}{m['exact']:>8.2f}{m['within_one']:>10.2f}{m['qwk']:>8.2f}")
    print(f"\nmean QWK (fixed eight)      {result['mean_qwk']:.3f}")
    print(f"mean within-one             {result['mean_within_one']:.3f}")
    print(f"Spearman of overall         {result['overall_spearman']:.3f}")
    if result.get("overall_spearman_narratives") is not None:
        print(f"  among narratives          {result['overall_spearman_narratives']:.3f}")
    comp = result["components_accuracy"]
    print("self/us/now accuracy        " + ", ".join(f"{k} {v:.2f}" for k, v in comp.items()))
    if result.get("evidence"):
        print(evidence_line(result["evidence"]))
    if args.per_text:
        print()
        for row in result["per_text"]:
            diffs = ", ".join(
                f"{k} {row['labels'][k]}→{row['scores'].get(k)}"
                for k in row["labels"]
                if row["labels"][k] != row["scores"].get(k)
            )
            print(
                f"{row['id']:<40} overall {row['label_overall']:.0f}→{row['overall']:>3}  {diffs}"
            )
    return 0


def evidence_line(ev: dict) -> str:
    scores = f"P {ev['precision']:.2f}  R {ev['recall']:.2f}  F1 {ev['f1']:.2f}"
    return f"evidence sentences          {scores}"
