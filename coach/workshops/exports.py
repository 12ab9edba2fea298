"""Workshop exports: one schema and three formats for every workshop, live or uploaded.

The rows come from ``coach.storage.export.workshop_rows`` (the CLI) or from the same query
with freshly scored reports and coaching laid over them (the app, :func:`with_report`), so
``coach workshop export`` and the app's downloads are the same document. JSON is the full
record (schema below, versioned like the Report); CSV is one line per row with a column per
criterion, safe to open in a spreadsheet; HTML is a printable page. All user text in the
HTML — names, drafts, comments, quotes — is escaped, and the page loads nothing from anywhere.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from coach.coaching.feedback import Feedback, attach_feedback
from coach.coaching.plan import CoachingPlan
from coach.report import Report
from coach.text.draft import spoken

SCHEMA = "narrative-coach/workshop-export/v2"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    "workshop_id",
    "workshop",
    "participant_id",
    "participant",
    "draft_id",
    "title",
    "version",
    "versions",
    "story_type",
    "saved_at",
    "words",
    "overall",
    "rubric_version",
    "prompt_version",
]
HEAT = {0: "#f8d7da", 1: "#fff3cd", 2: "#d1e7dd"}
PRINT_CSS = (
    "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 6px;text-align:center}"
    "section.participant{margin-top:2em}.draft{white-space:pre-wrap;border:1px solid #ccc;"
    "padding:8px 12px}td.left,th.left{text-align:left}"
    "@page{size:A4 landscape;margin:12mm}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"  # the heatmap prints
    "@media print{section.participant{page-break-before:always}"
    "table{font-size:10px;width:100%;table-layout:fixed}th{overflow-wrap:anywhere}}</style>"
)


def with_report(
    row: dict[str, Any],
    report: Report,
    feedback: Feedback | None = None,
    plan: CoachingPlan | None = None,
) -> dict:
    """The row with this report (and coaching: the plan, then every criterion) instead of
    the stored one."""
    document = attach_feedback(report, feedback).to_dict() if feedback else report.to_dict()
    updated = {**row, "report": document, "overall": report.overall, "scores": report.scores()}
    if feedback is not None:
        updated["feedback"] = feedback.to_dict()
    if plan is not None:
        updated["plan"] = plan.to_dict()
    return updated


def to_json(rows: Sequence[dict[str, Any]], workshop: str) -> str:
    document = {"schema": SCHEMA, "workshop": workshop, "rows": list(rows)}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """One column per criterion (``score:<id>``, in first-seen order), then the text."""
    criteria: dict[str, None] = {}
    for row in rows:
        criteria.update(dict.fromkeys(row.get("scores") or {}))
    columns = [*CSV_COLUMNS, *(f"score:{c}" for c in criteria), "comments", "text"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        flat = {
            **row,
            **{f"score:{c}": s for c, s in (row.get("scores") or {}).items()},
            "comments": " | ".join(str(n.get("body", "")) for n in row.get("comments") or []),
        }
        writer.writerow({k: _cell(v) for k, v in flat.items()})
    return out.getvalue()


def to_html(rows: Sequence[dict[str, Any]], workshop: str) -> str:
    """The heatmap table, then one section per row (a page each when printed)."""
    esc = html.escape
    title = f"Workshop review — {workshop}"
    ids = _criteria(rows)
    head = "".join(f"<th>{esc(name)}</th>" for name in ids.values())
    body = "".join(_table_row(row, list(ids)) for row in rows)
    sections = "".join(_section(row) for row in rows if row.get("text") is not None)
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{esc(title)}</title>"
        f"{PRINT_CSS}</head><body><h1>{esc(title)}</h1><table><thead><tr><th>participant</th>"
        f"<th>version</th><th>overall</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"{sections}</body></html>\n"
    )


FORMATS = ("csv", "json", "html")


def render(rows: Sequence[dict[str, Any]], workshop: str, fmt: str) -> str:
    """The rows in one of :data:`FORMATS`."""
    if fmt == "csv":
        return to_csv(rows)
    return to_json(rows, workshop) if fmt == "json" else to_html(rows, workshop)


def _criteria(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Criterion id -> name, in first-seen order over the rows' reports."""
    found: dict[str, str] = {}
    for row in rows:
        for item in _report_criteria(row):
            found.setdefault(str(item.get("id")), str(item.get("name") or item.get("id")))
    return found


def _report_criteria(row: dict[str, Any]) -> list[dict[str, Any]]:
    report = row.get("report")
    items = report.get("criteria") if isinstance(report, dict) else None
    return [c for c in items or [] if isinstance(c, dict)]


def _table_row(row: dict[str, Any], ids: list[str]) -> str:
    esc = html.escape
    scores = row.get("scores") or {}
    if row.get("text") is None:
        cells = f'<td colspan="{len(ids) + 2}">no draft yet</td>'
    else:
        cells = f"<td>{esc(str(row.get('version')))}</td><td>{esc(str(row.get('overall')))}</td>"
        for cid in ids:
            score = scores.get(cid)
            colour = HEAT.get(score, "#fff") if isinstance(score, int) else "#fff"
            shown = "" if score is None else esc(str(score))
            cells += f'<td style="background:{colour}">{shown}</td>'
    return f"<tr><th scope=row class=left>{esc(str(row.get('participant')))}</th>{cells}</tr>"


def _section(row: dict[str, Any]) -> str:
    esc = html.escape
    report = row.get("report") if isinstance(row.get("report"), dict) else {}
    feedback = row.get("feedback") if isinstance(row.get("feedback"), dict) else {}
    lines = "".join(
        f"<tr><th class=left scope=row>{esc(str(c.get('name')))}</th>"
        f"<td>{esc(str(c.get('score')))}/{esc(str(c.get('max')))}</td>"
        f"<td class=left>{esc(str(c.get('reason', '')))}</td></tr>"
        for c in _report_criteria(row)
    )
    plan = row.get("plan") if isinstance(row.get("plan"), dict) else {}
    if plan.get("ready"):
        steps = f"<li>{esc(str(plan.get('rehearse', '')))}</li>"
    elif plan.get("steps"):
        steps = "".join(
            f"<li><strong>{esc(str(s.get('diagnosis', '')))}</strong><br>{esc(str(s.get('move')))}"
            "</li>"
            for s in plan["steps"]
        )
    else:
        steps = "".join(f"<li>{esc(str(s))}</li>" for s in feedback.get("next_steps") or [])
    items = "".join(
        f"<li><strong>{esc(str(i.get('name')))}</strong> ({esc(str(i.get('score')))}/"
        f"{esc(str(i.get('max')))}): {esc(str(i.get('diagnosis', '')))}"
        f"<br><em>Ask yourself:</em> {esc(str(i.get('question', '')))}"
        + "".join(
            f"<br><small>See: {esc(str(g.get('source', '')))} — {esc(str(g.get('locator', '')))}"
            "</small>"
            for g in i.get("guidance") or []
        )
        + "</li>"
        for i in feedback.get("items") or []
    )
    notes = "".join(
        (f"<q>{esc(str(c['quote']))}</q> " if c.get("quote") else "")
        + f"{esc(str(c.get('body', '')))} <small>— {esc(str(c.get('author', '')))}, "
        f"version {esc(str(c.get('version', '')))}</small></li>"
        for c in row.get("comments") or []
    )
    aloud = spoken(float(report.get("speaking_time_s") or 0))
    return (
        f'<section class="participant"><h2>{esc(str(row.get("participant")))}</h2>'
        f"<p>Overall <strong>{esc(str(row.get('overall')))}/100</strong> · {row.get('words', 0)} "
        f"words · about {aloud} aloud · version {esc(str(row.get('version')))}</p>"
        + (
            f"<p>{esc(str(feedback['trainer_summary']))}</p>"
            if feedback.get("trainer_summary")
            else ""
        )
        + (f"<table><tbody>{lines}</tbody></table>" if lines else "")
        + (f"<h3>{'Plan' if plan else 'Next steps'}</h3><ol>{steps}</ol>" if steps else "")
        + (f"<h3>Coaching</h3><ul>{items}</ul>" if items else "")
        + (f"<h3>Trainer comments</h3><ul>{notes}</ul>" if notes else "")
        + f'<h3>Draft</h3><div class="draft">{esc(str(row.get("text") or ""))}</div></section>'
    )


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: participants type these fields, trainers open them."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
