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
from coach.workshops.summary import WorkshopSummary, readable, summarize

SCHEMA = "narrative-coach/workshop-export/v2"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Names of participants with no draft on the one-page summary (the rest: "and N more").
NAMES_ON_SUMMARY = 20
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
    "table{font-size:10px;width:100%;table-layout:fixed}th{overflow-wrap:anywhere}"
    "section.summary{page-break-after:always;break-after:page}}"
    # the summary page: the criteria on the left, the rest on the right
    ".cols{display:flex;gap:24px;align-items:flex-start}.cols>div{flex:1 1 0;min-width:0}"
    ".cols>div:first-child{flex-grow:3}.cols>div:last-child{flex-grow:2}"
    "section.summary h3{margin:12px 0 4px}section.summary p,section.summary ol{margin:4px 0}"
    "table.levels td,table.levels th{padding:2px 4px}table.levels th.name{width:38%}"
    "table.levels th.mean{width:24%}section.summary{font-size:14px}"
    ".bar{display:inline-block;vertical-align:middle;width:50px;height:8px;background:#eee;"
    "margin-right:6px}.bar>i{display:block;height:100%}.muted{color:#666}"
    "</style>"
)
BAR = {"low": "#dc3545", "mid": "#ffc107", "high": "#198754"}  # the heat colours, stronger


def with_report(
    row: dict[str, Any],
    report: Report,
    feedback: Feedback | None = None,
    plan: CoachingPlan | None = None,
) -> dict:
    """The row with this report (and coaching: the plan, then every criterion) instead of
    the stored one."""
    document = attach_feedback(report, feedback).to_dict() if feedback else report.to_dict()
    judged = report.assessed  # a draft too short or in another language has no scores
    updated = {
        **row,
        "report": document,
        "overall": report.overall if judged else None,
        "scores": report.scores() if judged else {},
    }
    if feedback is not None:
        updated["feedback"] = feedback.to_dict()
    if plan is not None:
        updated["plan"] = plan.to_dict()
    return updated


def to_json(rows: Sequence[dict[str, Any]], workshop: str) -> str:
    """The rows whole, with the workshop's summary (``coach.workshops.summary``)."""
    document = {
        "schema": SCHEMA,
        "workshop": workshop,
        "summary": summarize(rows).to_dict(),
        "rows": list(rows),
    }
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
    """A summary page, the heatmap table, then one section per row (a page each when
    printed)."""
    esc = html.escape
    title = f"Workshop review — {workshop}"
    ids = _criteria(rows)
    head = "".join(f"<th>{esc(name)}</th>" for name in ids.values())
    body = "".join(_table_row(row, list(ids)) for row in rows)
    sections = "".join(_section(row) for row in rows if row.get("text") is not None)
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{esc(title)}</title>"
        f"{PRINT_CSS}</head><body><h1>{esc(title)}</h1>{summary_html(summarize(rows))}"
        "<table class=scores><thead><tr><th>participant</th>"
        f"<th>version</th><th>overall</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"{sections}</body></html>\n"
    )


FORMATS = ("csv", "json", "html")


def render(rows: Sequence[dict[str, Any]], workshop: str, fmt: str) -> str:
    """The rows in one of :data:`FORMATS`."""
    if fmt == "csv":
        return to_csv(rows)
    return to_json(rows, workshop) if fmt == "json" else to_html(rows, workshop)


def summary_html(summary: WorkshopSummary) -> str:
    """The report's first page: the whole workshop at a glance (a page of its own in print)."""
    esc = html.escape
    if summary.empty:
        return (
            '<section class="summary"><h2>Summary</h2><p>This workshop has no participants '
            "yet. Upload their drafts in Workshop review (or share the workshop's join code) "
            "and export again: this page then sums up the workshop, followed by the table "
            "and one page per participant.</p></section>"
        )
    missing = len(summary.without_draft)
    lead = (
        f"<strong>{_count(summary.participants, 'participant')}</strong> · "
        f"<strong>{summary.scored}</strong> draft{'' if summary.scored == 1 else 's'} scored"
        + (f" (of {summary.drafts})" if summary.drafts != summary.scored else "")
        + (f" · {missing} without a draft yet" if missing else "")
    )
    if not summary.scored:
        left = (
            f"<p>None of the {_count(summary.participants, 'participant')} has a scored "
            "draft yet: the scores per criterion appear here once they do.</p>"
        )
        right = ""
    else:
        left = _levels_table(summary)
        right = _overall(summary) + _plans(summary)
    if missing:
        shown = summary.without_draft[:NAMES_ON_SUMMARY]
        names = ", ".join(esc(name) for name in shown)
        if missing > len(shown):  # the summary stays one page; the table lists everyone
            names += f" and {missing - len(shown)} more (each has a row in the table)"
        right += f"<h3>No draft yet ({missing})</h3><p>{names}</p>"
    return (
        f'<section class="summary"><h2>Summary</h2><p>{lead}</p>'
        f'<div class="cols"><div>{left}</div><div>{right}</div></div></section>'
    )


def _levels_table(summary: WorkshopSummary) -> str:
    esc = html.escape
    levels = summary.levels
    head = "".join(f"<th>at {level}</th>" for level in levels)
    body = ""
    for c in summary.criteria:
        counts = dict(c.counts)
        cells = "".join(
            _level_cell(level, c.max, counts[level]) if level in counts else "<td></td>"
            for level in levels
        )
        mean = "–" if c.mean is None else f"{_decimal(c.mean)}/{c.max}"
        share = 0 if c.mean is None or not c.max else c.mean / c.max
        body += (
            f"<tr><th scope=row class=left>{esc(c.name)}</th><td class=left>"
            f"{_bar(share)}{esc(mean)}</td>{cells}</tr>"
        )
    return (
        "<h3>Per criterion</h3><table class=levels><thead><tr>"
        f'<th class="left name">criterion</th><th class="left mean">mean</th>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table>"
        '<p class="muted">The columns count the drafts at each score, lowest first: red at '
        "0, green at full marks.</p>"
    )


def _level_cell(level: int, top: int, drafts: int) -> str:
    share = level / top if top else 1.0
    colour = HEAT[0] if share == 0 else HEAT[2] if share >= 1 else HEAT[1]
    if not drafts:
        return '<td class="muted">0</td>'
    return f'<td style="background:{colour}"><strong>{drafts}</strong></td>'


def _overall(summary: WorkshopSummary) -> str:
    most = max((b.count for b in summary.overall_bands), default=0) or 1
    bands = "".join(
        f"<tr><th scope=row class=left>{b.label}</th><td class=left>"
        f"{_bar(b.count / most, _band_colour(b.high))}{b.count}</td></tr>"
        for b in summary.overall_bands
    )
    mean = "" if summary.overall_mean is None else f"mean {summary.overall_mean:.0f}/100"
    return (
        f"<h3>Overall scores</h3><p>{mean}</p><table class=levels><thead><tr>"
        f"<th class=left>overall</th><th class=left>drafts</th></tr></thead>"
        f"<tbody>{bands}</tbody></table>"
    )


def _plans(summary: WorkshopSummary) -> str:
    esc = html.escape
    if not summary.planned:
        return (
            "<h3>Coaching plans</h3><p>This export carries no coaching plans (the app's "
            "Workshop review adds them to the JSON and the printable report).</p>"
        )
    fixes = "".join(
        f"<li>{esc(f.name)} — <strong>{_count(f.count, 'draft')}</strong></li>"
        for f in summary.first_fixes[:6]
    )
    more = sum(f.count for f in summary.first_fixes[6:])
    fixes += f"<li class=muted>other fixes — {_count(more, 'draft')}</li>" if more else ""
    ready = (
        f"<p><strong>{summary.ready}</strong> of {_count(summary.planned, 'draft')} ready to "
        "tell, by their coaching plan.</p>"
    )
    first = f"<ol>{fixes}</ol>" if fixes else "<p>No plan asks for a fix.</p>"
    return f"<h3>Ready to tell</h3>{ready}<h3>First fix in the coaching plans</h3>{first}"


def _bar(share: float, colour: str | None = None) -> str:
    share = min(max(share, 0.0), 1.0)
    if colour is None:
        colour = BAR["low"] if share < 1 / 3 else BAR["mid"] if share < 2 / 3 else BAR["high"]
    return f'<span class="bar"><i style="width:{share * 100:.0f}%;background:{colour}"></i></span>'


def _band_colour(high: int) -> str:
    return BAR["low"] if high < 40 else BAR["mid"] if high < 80 else BAR["high"]


def _decimal(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _criteria(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Criterion id -> name, in first-seen order over the rows' reports."""
    found: dict[str, str] = {}
    for row in rows:
        for item in _report_criteria(row):
            cid = str(item.get("id"))
            found.setdefault(cid, str(item.get("name") or readable(cid)))
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
        "<li>"
        + (f"<q>{esc(str(c['quote']))}</q> " if c.get("quote") else "")
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
