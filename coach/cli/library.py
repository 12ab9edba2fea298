"""``coach ingest``, ``sources``, ``ask``, ``eval-retrieval`` and ``train-ranker``.

Thin commands over :mod:`coach.library.ingest` and :mod:`coach.library.retrieve`:
parse, call, print.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from coach.cli import shown
from coach.errors import CoachError, InputError
from coach.settings import PROJECT_ROOT, Settings

#: The check set lives with the tests, so it exists in a source checkout only.
DEFAULT_QUESTIONS = Path("tests") / "data" / "retrieval_questions.jsonl"
#: Questions from six writers who never saw the cards, labelled by others (issue 14):
#: the ranker's main training set, and the one cross-validation holds out by writer.
STRANGERS = Path("datasets") / "questions" / "questions.settled.jsonl"
#: The ranker's training questions: the strangers' set and three older sets, one writer
#: each (never the check set).
TRAINING_QUESTIONS = (STRANGERS,) + tuple(
    Path("tests") / "data" / f"retrieval_{name}_questions.jsonl" for name in ("dev", "dev2", "dev3")
)


def register(subparsers) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="add documents (PDF, Markdown, text, HTML, DOCX) to the source library",
        description=(
            "Add files or folders to the source library. Unchanged files are skipped, "
            "changed files replace their old passages. Hidden files and folders (.git, "
            ".venv) are skipped. A different file whose id is taken (two notes.md) is "
            "refused unless --replace is given. One unreadable file is reported and the "
            "others still go in; the exit code is 1 if any failed."
        ),
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    ingest.add_argument(
        "--id", dest="source_id", help="source id to use (one file only; default: file name)"
    )
    ingest.add_argument(
        "--replace",
        action="store_true",
        help="let a file take over an id another file already has (default: refuse)",
    )
    ingest.add_argument("--format", choices=("text", "json"), default="text")
    ingest.set_defaults(func=cmd_ingest)

    sources = subparsers.add_parser(
        "sources",
        help="list the sources in the library, or remove one",
        description="List ingested sources (the built-in guidance cards are summarised).",
    )
    sources.add_argument("--remove", metavar="ID", help="remove the source with this id")
    sources.add_argument("--format", choices=("text", "json"), default="text")
    sources.set_defaults(func=cmd_sources)

    ask = subparsers.add_parser(
        "ask",
        help="search the library and print the best passages with citations",
        description="Hybrid (BM25 + vector) search over the guidance cards and your sources.",
    )
    ask.add_argument("question")
    ask.add_argument("--k", type=_positive, default=5, help="passages to show (default 5)")
    ask.add_argument("--criterion", metavar="ID", help="only passages serving this criterion")
    ask.add_argument("--source", metavar="ID", help="only passages from this source id")
    ask.add_argument("--method", choices=("hybrid", "bm25", "vector"), default="hybrid")
    ask.add_argument(
        "--for",
        dest="audience",
        choices=("lead", "champion", "trainer"),
        help="only cards for this reader (your own documents always count)",
    )
    ask.add_argument("--format", choices=("text", "json"), default="text")
    ask.set_defaults(func=cmd_ask)

    evaluate = subparsers.add_parser(
        "eval-retrieval",
        help="recall@k and MRR of bm25, vector and hybrid retrieval on a question set",
        description=(
            'Each line of FILE is {"question": ..., "relevant": [card ids]}. '
            "Searches the built-in cards only."
        ),
    )
    evaluate.add_argument(
        "file",
        nargs="?",
        type=Path,
        help=f"question file (default in a source checkout: {DEFAULT_QUESTIONS})",
    )
    evaluate.add_argument("--k", type=_positive, default=5)
    evaluate.add_argument(
        "--second-assessor",
        type=Path,
        metavar="FILE",
        help=(
            "the same questions judged independently by someone else: also print how far "
            "the two agree and the scores on the cards both chose"
        ),
    )
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.set_defaults(func=cmd_eval_retrieval)

    train = subparsers.add_parser(
        "train-ranker",
        help="fit the learned ranker's weights on labelled question files",
        description=(
            "Fits coach/data/ranker.json (two logistic regressions over similarity "
            "features, and which cards go together) on question files in the "
            "eval-retrieval format. With --cross-validate it holds out each writer of the "
            "first file in turn, fits on everything else and scores that writer's "
            "questions, and writes nothing. Never train on the check set."
        ),
    )
    train.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="question files (default in a source checkout: "
        + ", ".join(str(p) for p in TRAINING_QUESTIONS)
        + ")",
    )
    train.add_argument(
        "--cross-validate", action="store_true", help="leave one writer out (writes nothing)"
    )
    train.add_argument("--out", type=Path, help="where to write the weights (default: the app's)")
    train.add_argument("--format", choices=("text", "json"), default="text")
    train.set_defaults(func=cmd_train_ranker)
    _register_build(subparsers)


def _register_build(subparsers) -> None:
    build = subparsers.add_parser(
        "build-card-vectors",
        help="compute the built-in cards' vectors that ship with the package",
        description=(
            "Embeds every built-in card and card question with both models (MiniLM and "
            "multilingual e5) and writes coach/data/card_vectors.npz, so a fresh install "
            "indexes and searches the cards without embedding them. Run after editing cards."
        ),
    )
    build.add_argument("--corpus", type=Path, help="card folder (default: the built-in corpus)")
    build.add_argument("--out", type=Path, help="where to write (default: the package's file)")
    build.set_defaults(func=cmd_build_card_vectors)


def cmd_build_card_vectors(args: argparse.Namespace) -> int:
    from coach.library import shipped
    from coach.library.card_vectors import build
    from coach.text.embeddings import Embedder, MultilingualEmbedder

    corpus = args.corpus or Settings().corpus_dir
    caches = build(corpus, Embedder(), MultilingualEmbedder(threads=2), progress=_note)
    out = args.out or shipped.SHIPPED_FILE
    shipped.save(caches, out)
    print(f"wrote {sum(len(c) for c in caches)} vectors to {out}")
    return 0


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return number


def _retriever(settings: Settings | None = None):
    from coach.services import build_services

    retriever = build_services(settings).retriever
    sync = retriever.sync_corpus()
    for problem in sync.errors:
        print(f"coach: warning: built-in card skipped: {problem}", file=sys.stderr)
    return retriever


# ---------------------------------------------------------------- ingest


def _expand(paths: list[str]) -> Iterator[tuple[Path, str | None, str | None]]:
    """(file, source id, problem) for each argument; folders give the supported files inside.

    A file named directly gets its name as id; a file found in folder ``docs/`` gets
    ``docs/relative/path``, so two ``notes.md`` in different folders do not collide.
    Hidden files and everything in hidden folders (``.git/``, ``.venv/``) are skipped.
    """
    from coach.library.sources import kind_of

    for raw in paths:
        path = Path(raw)
        if path.is_symlink():
            yield path, None, f"{raw}: a symbolic link; name the file it points to instead"
        elif path.is_dir():
            for file in _walk(path):
                inside = file.relative_to(path)
                if _hidden(inside) or kind_of(file) is None:
                    continue  # folders often hold images etc.; only named files must be readable
                if file.is_symlink():
                    yield file, None, f"{file}: skipped, a symbolic link (links are not followed)"
                    continue
                yield file, f"{path.resolve().name}/{inside.as_posix()}", None
        elif path.exists():
            yield path, None, None
        else:
            yield path, None, f"{raw}: no such file or folder"


def _walk(folder: Path) -> Iterator[Path]:
    """Every file under ``folder`` in name order, never entering a linked folder (a link could
    lead anywhere on the machine)."""
    for root, folders, files in os.walk(folder, followlinks=False):
        folders.sort()
        for name in sorted(files):
            yield Path(root) / name


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def cmd_ingest(args: argparse.Namespace) -> int:
    from coach.library.ingest import Ingester

    items = list(_expand(args.paths))
    if args.source_id and len(items) != 1:
        raise InputError("--id can only be used with exactly one file")
    retriever = _retriever()
    ingester = Ingester(retriever.store, retriever.embedder)
    results, failures = [], 0
    for path, source_id, problem in items:
        try:
            if problem:
                raise InputError(problem)
            with _progress_bar(path.name) as progress:
                result = ingester.ingest(
                    path, args.source_id or source_id, progress=progress, replace=args.replace
                )
        except Exception as exc:  # one bad file is reported; the others still go in
            failures += 1
            message = str(exc) if isinstance(exc, CoachError) else _unexpected(path, exc)
            print(f"coach: error: {shown(message)}", file=sys.stderr)
            results.append({"path": str(path), "status": "failed", "error": message})
            continue
        results.append({"path": str(path), **asdict(result)})
        if args.format == "text":
            print(shown(_describe(result)))
    if args.format == "json":
        print(json.dumps({"results": results, "failed": failures}, indent=2))
    elif len(items) > 1:
        done = len(items) - failures
        print(
            f"{done} of {len(items)} files ingested" + (f", {failures} failed" if failures else "")
        )
    return 1 if failures else 0


def _unexpected(path: Path, exc: Exception) -> str:
    return f"{path.name}: could not be ingested ({type(exc).__name__}: {exc})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _describe(result) -> str:
    if result.status == "duplicate":
        return f"{result.source_id}: same content as {result.duplicate_of}, skipped"
    if result.status == "unchanged":
        return f"{result.source_id}: unchanged ({_count(result.chunks, 'passage')})"
    pages = f", {_count(result.pages, 'page')}" if result.pages else ""
    extra = f", {_count(result.removed, 'old passage')} removed" if result.removed else ""
    return f"{result.source_id}: {result.status}, {_count(result.chunks, 'passage')}{pages}{extra}"


class _progress_bar:
    """A tqdm bar on a terminal (pages for PDF, passages otherwise); silent when piped."""

    def __init__(self, name: str):
        self.name = name
        self.bar = None

    def __enter__(self):
        return self if sys.stderr.isatty() else None

    def __call__(self, event) -> None:
        from tqdm import tqdm

        if self.bar is None:
            unit = "page" if event.pages_total else "passage"
            self.bar = tqdm(total=event.pages_total, desc=self.name, unit=unit, leave=False)
        done = event.pages_done if event.pages_total else event.chunks_done
        self.bar.update(done - self.bar.n)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------- sources


def cmd_sources(args: argparse.Namespace) -> int:
    from coach.library.ingest import Ingester

    retriever = _retriever()
    if args.remove:
        record = Ingester(retriever.store, retriever.embedder).remove(args.remove)
        if args.format == "json":
            print(json.dumps({"removed": record.to_dict()}, indent=2))
        else:
            print(f"removed {record.source_id} ({_count(record.chunks, 'passage')})")
        return 0
    records = retriever.store.sources()
    if args.format == "json":
        print(json.dumps({"sources": [r.to_dict() for r in records]}, indent=2))
        return 0
    users = [r for r in records if not r.builtin]
    cards = [r for r in records if r.builtin]
    if users:
        width = max(len(r.source_id) for r in users)
        for r in users:
            size = f"{r.pages} pages, " if r.pages else ""
            print(
                f"{r.source_id:<{width}}  {r.kind:<8}  {size}{r.chunks} passages  "
                f"added {r.added_at}  {r.title}"
            )
    else:
        print("no sources ingested yet (add some with 'coach ingest PATH')")
    print(f"built-in guidance: {len(cards)} cards ({sum(r.chunks for r in cards)} passages)")
    return 0


# ---------------------------------------------------------------- ask


def cmd_ask(args: argparse.Namespace) -> int:
    from coach.library.chunkmeta import CARD_PREFIX

    retriever = _retriever()
    answer = retriever.answer(
        args.question,
        args.k,
        source=args.source,
        criterion=args.criterion,
        method=args.method,
        audience=args.audience,
    )
    passages, weak = answer.passages, not answer.fits
    if args.format == "json":
        payload = {
            "question": args.question,
            "nothing_fits": weak,
            "passages": [p.to_dict() for p in passages],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    if not passages:
        print("no passages found")
    elif weak:
        print("Nothing in the library fits this well; the closest passages are below.\n")
    for number, passage in enumerate(passages, start=1):
        print(f"[{number}] {passage.citation}  (score {passage.score:.4f})")
        print(_indent(passage.text))
        if passage.related:
            related = (source.removeprefix(CARD_PREFIX) for source in passage.related)
            print("    see also: " + ", ".join(related))
        print()
    return 0


def _indent(text: str, width: int = 600) -> str:
    short = text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " …"
    return "\n".join("    " + line for line in short.splitlines())


# ---------------------------------------------------------------- eval


def default_questions(root: Path = PROJECT_ROOT) -> Path:
    """The check set of a source checkout; an installed copy has none, so say so."""
    path = root / DEFAULT_QUESTIONS
    if not path.is_file():
        raise InputError(
            f"no question file given, and the default check set ({DEFAULT_QUESTIONS}) is only "
            "in a source checkout of Narrative Coach; pass a JSON-lines FILE of "
            '{"question": ..., "relevant": [card ids]}'
        )
    return path


def cmd_eval_retrieval(args: argparse.Namespace) -> int:
    from coach.library.evaluate import compare_assessors, evaluate, load_questions

    path = args.file or default_questions()
    questions = load_questions(path)
    retriever = _retriever()
    report = evaluate(retriever, questions, k=args.k)
    if args.second_assessor:
        second = load_questions(args.second_assessor)
        agreement, agreed = compare_assessors(questions, second)
        report["assessors"] = agreement
        report["agreed"] = evaluate(retriever, agreed, k=args.k)
    if args.format == "json":
        print(json.dumps(report, indent=2))
        return 0
    source = args.file or DEFAULT_QUESTIONS
    print(f"{report['n']} questions from {source}, k={args.k}, {report['cards']} cards")
    _print_methods(report, args.k)
    if args.second_assessor:
        a = report["assessors"]
        print(
            f"\nsecond assessor ({args.second_assessor}): {a['second_cards_per_question']} cards "
            f"per question (first: {a['first_cards_per_question']}); chose {a['second_recall']:.3f}"
            f" of the first's cards; identical sets {a['identical']:.3f}"
        )
        print(f"on the cards both chose ({report['agreed']['n']} questions):")
        _print_methods(report["agreed"], args.k)
    return 0


def cmd_train_ranker(args: argparse.Namespace) -> int:
    from coach.library.evaluate import cross_validate, pooled, train_ranker
    from coach.library.ranker import RANKER_FILE
    from coach.library.retrieve import Retriever

    files = args.files or [PROJECT_ROOT / p for p in TRAINING_QUESTIONS]
    for path in files:
        if not path.is_file():
            raise InputError(f"{path}: no such question file")
    with tempfile.TemporaryDirectory(prefix="coach-train-") as scratch:
        # A library of the built-in cards only: users' documents would change BM25's word
        # weights, and with them the fitted weights. (Question files that name cards this
        # corpus lacks are refused, so another COACH_CORPUS_DIR cannot fit silently.)
        settings = Settings().model_copy(update={"data_dir": Path(scratch), "chroma_url": ""})
        retriever = Retriever.from_settings(settings, fusion="convex")
        if args.cross_validate:
            held = files[0] if len(files) > 1 else None
            results = cross_validate(retriever, files, held=held)
            return _print_cross_validation(results, pooled(results), args.format)
        ranker = train_ranker(retriever, files, base=PROJECT_ROOT if not args.files else None)
    out = args.out or RANKER_FILE
    ranker.save(out)
    if args.format == "json":
        print(json.dumps({"out": str(out), "questions": ranker.questions}))
        return 0
    print(f"fitted on {ranker.questions} questions from {len(files)} files; wrote {out}")
    return 0


def _print_cross_validation(results: list[dict], total: dict, format: str) -> int:
    if format == "json":
        print(json.dumps({"writers": results, "pooled": total}, indent=2))
        return 0
    print("held-out writer      n   hit@5 (convex)   MRR (convex)   recall@5 (convex)")
    rows = [*results, {"writer": "all", "n": sum(r["n"] for r in results), "methods": total}]
    for row in rows:
        learned, convex = row["methods"]["hybrid"], row["methods"]["hybrid_convex"]
        print(
            f"{row['writer']:<18} {row['n']:>3}   {learned['hit']:.3f} ({convex['hit']:.3f})"
            f"    {learned['mrr']:.3f} ({convex['mrr']:.3f})"
            f"    {learned['recall']:.3f} ({convex['recall']:.3f})"
        )
    return 0


def _print_methods(report: dict, k: int) -> None:
    print(f"{'method':<14} {'recall@' + str(k):>9} {'hit@' + str(k):>7} {'MRR':>6}")
    for method, row in report["methods"].items():
        print(f"{method:<14} {row['recall']:>9.3f} {row['hit']:>7.3f} {row['mrr']:>6.3f}")
    if report["unknown_card_ids"]:
        print(f"warning: unknown card ids: {', '.join(report['unknown_card_ids'])}")
    fits = report.get("nothing_fits")
    if fits and fits["n"]:
        print(
            f"questions no card answers: {fits['n']}; the library said nothing fits for "
            f"{fits['said_nothing_fits']:.0%} of them"
        )
    if fits:
        print(
            "answerable questions it wrongly said nothing fits for: "
            f"{fits['answerable_said_nothing_fits']:.0%}"
        )
