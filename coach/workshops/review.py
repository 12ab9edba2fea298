"""Score many drafts at once (``coach review``, the trainer's workshop table).

Inputs are files, folders (every readable file inside, sorted), or a CSV with a text
column (one draft per row). One unreadable input becomes a row with an error; the batch
goes on. Scoring runs in worker processes (scoring is CPU-bound and stateless), each
building its own Scorer once.
"""

from __future__ import annotations

import csv
import html
import io
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from coach.errors import CoachError, InputError
from coach.report import Report

TEXT_COLUMNS = ("text", "draft", "story", "body", "content", "message")
NAME_COLUMNS = ("name", "participant", "id", "author", "title")
MAX_CSV_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ReviewItem:
    """One draft to score: where it came from, its display name, and its text (or an error)."""

    source: str
    name: str
    text: str | None
    error: str | None = None


@dataclass(frozen=True)
class ReviewRow:
    item: ReviewItem
    report: Report | None
    error: str | None

    def to_dict(self) -> dict:
        row: dict = {"name": self.item.name, "source": self.item.source}
        if self.report is None:
            return {**row, "error": self.error}
        return {**row, "error": None, "report": self.report.to_dict()}


def read_document(path: Path) -> str:
    """The plain text of a draft file (txt, md, html, docx, pdf), via the source loaders."""
    from coach.library.sources import load_source

    source = load_source(path)  # refuses unsupported, empty and oversized files, per kind
    return "\n\n".join(section.text for section in source.sections())


def _pick_column(fieldnames: list[str], wanted: tuple[str, ...]) -> str | None:
    lowered = {name.strip().lower(): name for name in fieldnames if name}
    for candidate in wanted:
        if candidate in lowered:
            return lowered[candidate]
    return None


def read_csv(path: Path, text_column: str | None = None) -> Iterator[ReviewItem]:
    """One ReviewItem per row of a CSV that has a text column (name column optional)."""
    from coach.library.sources import decode_text

    if path.stat().st_size > MAX_CSV_BYTES:
        raise InputError(f"{path.name}: larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    content = decode_text(raw, path.name)
    csv.field_size_limit(MAX_CSV_BYTES)
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content), dialect=dialect, strict=True)
    fields = reader.fieldnames or []
    column = text_column or _pick_column(fields, TEXT_COLUMNS)
    if not column or column not in fields:
        raise InputError(
            f"{path.name}: no text column found (columns: {', '.join(fields) or 'none'}); "
            f"name one of {', '.join(TEXT_COLUMNS)} or pass --text-column"
        )
    name_column = _pick_column(fields, NAME_COLUMNS)
    rows_seen = 0
    try:
        for number, row in enumerate(reader, start=2):
            rows_seen += 1
            name = (row.get(name_column) or "").strip() if name_column else ""
            text = row.get(column)
            label = name or f"row {number}"
            if text is None or None in row:
                yield ReviewItem(
                    f"{path}:{number}", label, None, "malformed row (wrong number of fields)"
                )
            else:
                yield ReviewItem(f"{path}:{number}", label, text)
    except csv.Error as exc:
        yield ReviewItem(str(path), path.name, None, f"malformed CSV: {exc}")
        return
    if rows_seen == 0:
        yield ReviewItem(str(path), path.name, None, "the CSV has a header but no rows")


def collect_items(paths: Iterable[str], text_column: str | None = None) -> Iterator[ReviewItem]:
    """Expand files, folders and CSVs into items; unreadable ones become error items."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            children = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not children:
                yield ReviewItem(str(path), path.name, None, "folder has no files")
            yield from collect_items((str(c) for c in children), text_column)
            continue
        if not path.exists():
            yield ReviewItem(str(path), path.name, None, "no such file or folder")
            continue
        if path.suffix.lower() in {".csv", ".tsv"}:
            try:
                yield from read_csv(path, text_column)
            except CoachError as exc:
                yield ReviewItem(str(path), path.name, None, str(exc))
            continue
        try:
            yield ReviewItem(str(path), path.stem, read_document(path))
        except CoachError as exc:
            yield ReviewItem(str(path), path.stem, None, str(exc))
        except OSError as exc:
            yield ReviewItem(str(path), path.stem, None, f"cannot read ({exc.strerror})")
        except Exception as exc:  # noqa: BLE001 — one unreadable file must not end the batch
            yield ReviewItem(str(path), path.stem, None, f"cannot read ({type(exc).__name__})")


# --- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewOptions:
    """How to score a batch; plain data, so it can be sent to worker processes."""

    story_type: str | None = None
    speaking_rate_wpm: int = 135
    max_words: int | None = 20_000
    rubric_path: str | None = None


def score_item(item: ReviewItem, scorer, options: ReviewOptions) -> ReviewRow:
    """Score one item; any failure becomes an error row, so the batch always goes on."""
    from coach.scoring.pipeline import score_text

    if item.error is not None or item.text is None:
        return ReviewRow(item, None, item.error or "no text")
    try:
        report = score_text(
            item.text,
            scorer,
            story_type=options.story_type,
            speaking_rate_wpm=options.speaking_rate_wpm,
            max_words=options.max_words,
        )
    except CoachError as exc:
        return ReviewRow(item, None, str(exc))
    except Exception as exc:  # noqa: BLE001 — one draft must never end a workshop's batch
        return ReviewRow(item, None, f"internal error while scoring ({type(exc).__name__}: {exc})")
    if report.nothing_to_score:
        return ReviewRow(item, report, "empty draft: nothing to score")
    if not report.assessed:
        return ReviewRow(item, report, report.why_not_assessed)
    return ReviewRow(item, report, None)


# Worker processes build their Scorer once, in the worker, from the options they are sent.
_worker_state: dict = {}


def _init_worker(options: ReviewOptions) -> None:
    from coach.scoring.pipeline import build_scorer
    from coach.settings import Settings

    settings = Settings(rubric_path=options.rubric_path) if options.rubric_path else Settings()
    _worker_state["scorer"] = build_scorer(settings)
    _worker_state["options"] = options


def _score_in_worker(item: ReviewItem) -> ReviewRow:
    return score_item(item, _worker_state["scorer"], _worker_state["options"])


def review(
    items: list[ReviewItem],
    scorer,
    options: ReviewOptions | None = None,
    *,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> list[ReviewRow]:
    """Score every item, in input order. ``progress(done, total)`` is called as rows finish.

    Small batches (or ``workers=1``) run here with the caller's ``scorer``; larger ones use
    up to ``workers`` processes (never more than the CPUs), started with "spawn" so that a
    multi-threaded caller such as the app is safe, each building its own scorer once.
    """
    options = options or ReviewOptions()
    workers = max(1, min(workers, os.cpu_count() or 1))
    rows: list[ReviewRow] = []
    if workers == 1 or len(items) < 4 * workers:
        for done, item in enumerate(items, 1):
            rows.append(score_item(item, scorer, options))
            if progress:
                progress(done, len(items))
        return rows
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(options,)
    ) as pool:
        for done, row in enumerate(pool.map(_score_in_worker, items, chunksize=4), 1):
            rows.append(row)
            if progress:
                progress(done, len(items))
    return rows


# --- output formats ---------------------------------------------------------------------------


def _criteria_names(rows: list[ReviewRow]) -> dict[str, str]:
    """Criterion id -> the name people read ("Call to action"), in the rubric's order."""
    for row in rows:
        if row.report is not None:
            return {c.id: c.name for c in row.report.criteria}
    return {}


def spreadsheet_safe(value):
    """Neutralise text a spreadsheet would run as a formula (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


CSV_HEADER = (
    "name",
    "source",
    "reads as",
    "words",
    "speaking time (s)",
    "overall (0-100)",
    "story of self",
    "story of us",
    "story of now",
)


def to_csv(rows: list[ReviewRow]) -> str:
    """One row per draft; user-supplied cells are made safe to open in a spreadsheet."""
    names = _criteria_names(rows)
    ids = list(names)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # headers people read; scripts use jsonl's ids
    writer.writerow([*CSV_HEADER, *(spreadsheet_safe(n) for n in names.values()), "error"])
    for row in rows:
        r = row.report
        identity = [spreadsheet_safe(row.item.name), spreadsheet_safe(row.item.source)]
        if r is None or not r.assessed:
            blanks = [""] * (len(CSV_HEADER) - 2 + len(ids))
            writer.writerow([*identity, *blanks, spreadsheet_safe(row.error or "")])
            continue
        scores = r.scores()
        components = (int(r.components[k]) for k in ("self", "us", "now"))
        writer.writerow(
            [
                *identity,
                r.detected_story_type,
                r.word_count,
                r.speaking_time_s,
                r.overall,
                *components,
                *(scores.get(i, "") for i in ids),
                spreadsheet_safe(row.error or ""),
            ]
        )
    return buffer.getvalue()


def to_jsonl(rows: list[ReviewRow]) -> str:
    return "".join(json.dumps(row.to_dict(), ensure_ascii=False) + "\n" for row in rows)


_HEAT = {0: "#f8d7da", 1: "#fff3cd", 2: "#d1e7dd"}


def to_html(rows: list[ReviewRow], title: str = "Workshop review") -> str:
    """A printable table (criteria × participants heatmap). All user text is escaped."""
    names = _criteria_names(rows)
    ids = list(names)
    esc = html.escape
    head = "".join(f'<th title="{esc(i)}">{esc(n)}</th>' for i, n in names.items())
    body = []
    for row in rows:
        r = row.report
        if r is None or not r.assessed:
            cells = f'<td colspan="{len(ids) + 2}" class="error">{esc(row.error or "")}</td>'
        else:
            scores = r.scores()
            cells = f"<td>{r.overall}</td><td>{esc(r.detected_story_type)}</td>" + "".join(
                f'<td style="background:{_HEAT[scores[i]]}">{scores[i]}</td>' for i in ids
            )
        body.append(f"<tr><th scope=row>{esc(row.item.name)}</th>{cells}</tr>")
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{esc(title)}</title><style>body{{font-family:sans-serif}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 6px;"
        "text-align:center}.error{color:#842029;text-align:left}</style></head><body>"
        f"<h1>{esc(title)}</h1><table><thead><tr><th>draft</th><th>overall</th><th>type</th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></body></html>\n"
    )


FORMATS = {"csv": to_csv, "jsonl": to_jsonl, "html": to_html}
