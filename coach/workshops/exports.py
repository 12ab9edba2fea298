"""Workshop exports: CSV and the printable table come from ``coach.workshops.review``;
we add the JSON document and one printable section per participant (report, coaching,
comments, draft).

Plain functions (no Streamlit), so they are tested directly. All user text in the HTML —
names, drafts, comments, quotes — is escaped; the document loads nothing from anywhere.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.coaching.feedback import Feedback, attach_feedback
from coach.report import Report
from coach.workshops.review import ReviewRow, to_csv, to_html

SCHEMA = "narrative-coach/workshop-review/v1"
PRINT_CSS = (
    "<style>section.participant{margin-top:2em}.draft{white-space:pre-wrap;border:1px solid #ccc;"
    "padding:8px 12px}td.left,th.left{text-align:left}"
    "@media print{section.participant{page-break-before:always}}</style>"
)


@dataclass(frozen=True)
class ParticipantExport:
    name: str
    versions: int
    text: str
    report: Report
    feedback: Feedback | None  # None: scores only (enough for the CSV)
    comments: Sequence[dict[str, Any]] = field(default_factory=tuple)


def rows_of(participants: Sequence[ParticipantExport], workshop: str) -> list[ReviewRow]:
    from coach.workshops.review import ReviewItem

    return [
        ReviewRow(ReviewItem(f"{workshop}/{p.name} v{p.versions}", p.name, p.text), p.report, None)
        for p in participants
    ]


def workshop_csv(participants: Sequence[ParticipantExport], workshop: str) -> str:
    return to_csv(rows_of(participants, workshop))


def workshop_json(participants: Sequence[ParticipantExport], workshop: str) -> str:
    document = {
        "schema": SCHEMA,
        "workshop": workshop,
        "participants": [
            {
                "name": p.name,
                "versions": p.versions,
                "report": attach_feedback(p.report, p.feedback).to_dict(),
                "feedback": p.feedback.to_dict(),
                "comments": list(p.comments),
                "text": p.text,
            }
            for p in participants
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def workshop_html(participants: Sequence[ParticipantExport], workshop: str) -> str:
    """The heatmap table, then one section per participant (a page each when printed)."""
    table = to_html(rows_of(participants, workshop), title=f"Workshop review — {workshop}")
    sections = "".join(_section(p) for p in participants)
    head_end = table.index("</head>")
    table = table[:head_end] + PRINT_CSS + table[head_end:]
    return table.replace("</body></html>", sections + "</body></html>")


def _section(p: ParticipantExport) -> str:
    esc = html.escape
    r = p.report
    rows = "".join(
        f"<tr><th class=left scope=row>{esc(c.name)}</th><td>{c.score}/{c.max}</td>"
        f"<td class=left>{esc(c.reason)}</td></tr>"
        for c in r.criteria
    )
    steps = "".join(f"<li>{esc(s)}</li>" for s in p.feedback.next_steps)
    items = "".join(
        f"<li><strong>{esc(i.name)}</strong> ({i.score}/{i.max}): {esc(i.diagnosis)}"
        f"<br><em>Ask yourself:</em> {esc(i.question)}"
        + "".join(f"<br><small>See: {esc(g.source)} — {esc(g.locator)}</small>" for g in i.guidance)
        + "</li>"
        for i in p.feedback.items
    )
    notes = "".join(
        f"<li>{esc(str(c.get('body', '')))} <small>— {esc(str(c.get('author', '')))}, "
        f"version {esc(str(c.get('version', '')))}</small></li>"
        for c in p.comments
    )
    return (
        f'<section class="participant"><h2>{esc(p.name)}</h2>'
        f"<p>Overall <strong>{r.overall}/100</strong> · {r.word_count} words · about "
        f"{max(1, round(r.speaking_time_s / 60))} min aloud · version {p.versions}</p>"
        f"<p>{esc(p.feedback.trainer_summary)}</p>"
        f"<table><tbody>{rows}</tbody></table>"
        f"<h3>Next steps</h3><ol>{steps}</ol><h3>Coaching</h3><ul>{items}</ul>"
        + (f"<h3>Trainer comments</h3><ul>{notes}</ul>" if notes else "")
        + f'<h3>Draft</h3><div class="draft">{esc(p.text)}</div></section>'
    )
