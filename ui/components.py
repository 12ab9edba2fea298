"""Shared render helpers: the highlighted draft, score charts, coaching cards, citations.

User text is data, never markup. The only HTML we build is here, and every piece of user
text in it goes through ``html.escape`` first; the colours and class names are ours. Text
shown through Markdown (labels, coaching) is escaped with ``escape_markdown``; passages and
LLM answers are shown with ``st.text`` or escaped Markdown, never as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from coach.coaching.feedback import Feedback
from coach.coaching.palette import CRITERION_COLOURS as CRITERION_COLOURS  # one per criterion
from coach.coaching.palette import OTHER_COLOUR as OTHER_COLOUR
from coach.coaching.palette import criterion_colour
from coach.errors import CoachError
from coach.report import Citation, Report
from coach.text.draft import make_draft
from ui import state

SHORT_LABELS = {
    "self": "Self",
    "us": "Us",
    "now": "Now",
    "narrative": "Narrative",
    "message": "Message",
    "non-narrative": "Not a story",  # the scorer's word for notes, lists, reference text
}
STORY_LABELS = {
    "self": "Story of self",
    "us": "Story of us",
    "now": "Story of now",
    "narrative": "Full public narrative",
    "message": "Campaign message",
    "non-narrative": "Text that is not a story yet",
}
#: Speaking-time targets per story type (a story of self gets about two minutes).
TARGET_S = {"self": 120, "us": 60, "now": 60, "narrative": 180, "message": 60}
SCORE_COLOURS = {0: "#d9534f", 1: "#f0ad4e", 2: "#2e8b57"}
SCORE_TINTS = {0: "#f8d7da", 1: "#fff3cd", 2: "#d1e7dd"}


def esc(text: object) -> str:
    """Text that will be shown literally inside Markdown (labels, captions, markdown)."""
    from coach.text.markup import escape_markdown

    return escape_markdown(str(text))


def story_label(story_type: str) -> str:
    return STORY_LABELS.get(story_type, story_type)


def overall_label(report: Report) -> str:
    """The overall as shown: a declined draft (empty, too short, another language) has none."""
    return f"{report.overall}/100" if report.assessed else "not scored"


def clock(seconds: float) -> str:
    """``125`` -> ``"2:05"``: short enough for a metric's delta."""
    minutes, rest = divmod(int(round(abs(seconds))), 60)
    return f"{minutes}:{rest:02d}"


def against_target(seconds: float, target: float) -> str:
    """``"1:05 over a 3:00 target"``: one wording for the time on every page."""
    over = seconds - target
    return f"{clock(over)} {'over' if over > 0 else 'under'} a {clock(target)} target"


def show_error(exc: Exception, doing: str = "") -> None:
    """A library error as a message a person can act on (never a traceback)."""
    prefix = f"Could not {doing}: " if doing else ""
    if isinstance(exc, CoachError):
        st.error(f"{prefix}{esc(exc)}", icon=":material/error:")
    else:  # pragma: no cover - unexpected errors still get a short message
        st.error(f"{prefix}unexpected {type(exc).__name__}: {esc(exc)}", icon=":material/error:")


# -- the draft with its evidence highlighted ---------------------------------------------


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    label: str  # shown as a tooltip
    tint: str  # one of our colours, never user input
    strong: bool = True  # earned full marks (solid) or part marks (dashed, lighter)


def evidence_marks(report: Report, criterion_id: str | None = None) -> list[Mark]:
    """Marks for one criterion's evidence, or every criterion's when ``criterion_id`` is None,
    each in its criterion's colour."""
    marks = []
    for result in report.criteria:
        if criterion_id is not None and result.id != criterion_id:
            continue
        for ev in result.evidence:
            label = f"{result.name} ({result.score}/{result.max})"
            strong = result.score >= result.max
            marks.append(Mark(ev.start, ev.end, label, criterion_colour(result.id), strong))
    return marks


def highlighted_html(
    text: str,
    marks: Sequence[Mark],
    *,
    underline: bool = False,
    sentences: Sequence[tuple[int, int]] = (),
) -> str:
    """The draft as HTML with ``<mark>`` around evidence; every character of text escaped.

    One criterion: its colour behind the sentence, solid for full marks, light with a dashed
    underline for part marks. ``underline`` (every criterion at once): no background, which
    painted whole drafts one yellow, but a bar under each sentence in the colours of the
    criteria it earned, thick for full marks and thin for part marks.

    With ``sentences`` (start, end offsets), every piece starts inside one sentence and says
    where (``data-start``), so a click on the text can ask what that sentence earned.
    """
    size = len(text)
    spans = [(max(0, min(m.start, size)), max(0, min(m.end, size)), m) for m in marks]
    starts = {max(0, min(start, size)) for start, _ in sentences}
    cuts = sorted({0, size, *starts, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        piece = html.escape(text[left:right])
        where = f' data-start="{left}"' if sentences else ""
        covering = [m for s, e, m in spans if s <= left and right <= e and s < e]
        if not covering:
            pieces.append(f"<span{where}>{piece}</span>" if sentences else piece)
            continue
        labels = "; ".join(dict.fromkeys(m.label for m in covering))
        style = _underline_style(covering) if underline else _tint_style(covering)
        pieces.append(
            f'<mark class="nc-evidence"{where} title="{html.escape(labels, quote=True)}" '
            f'style="{style}">{piece}</mark>'
        )
    return (
        '<div class="nc-draft" style="white-space:pre-wrap;line-height:1.8;font-size:1rem;'
        "border:1px solid rgba(128,128,128,.35);border-radius:8px;padding:12px 16px;"
        f'max-height:480px;overflow:auto">{"".join(pieces)}</div>'
    )


def _tint_style(covering: Sequence[Mark]) -> str:
    colour, strong = covering[0].tint, all(m.strong for m in covering)
    alpha = "55" if strong else "22"
    dashed = "" if strong else f"text-decoration:underline dashed {colour} 2px;"
    return (
        f"background:{colour}{alpha};color:inherit;padding:0 2px;border-radius:3px;"
        f"{dashed}text-underline-offset:4px"
    )


def _underline_style(covering: Sequence[Mark]) -> str:
    colours = list(dict.fromkeys(m.tint for m in covering))
    width = 100 / len(colours)
    stops = ",".join(f"{c} {i * width:.1f}% {(i + 1) * width:.1f}%" for i, c in enumerate(colours))
    height = "4px" if any(m.strong for m in covering) else "2px"
    return (
        f"background:linear-gradient(to right,{stops}) bottom/100% {height} no-repeat;"
        "color:inherit;padding:0 1px 3px;-webkit-box-decoration-break:clone;"
        "box-decoration-break:clone"
    )


def evidence_legend_html(report: Report) -> str:
    """Which colour is which criterion, with its score and how many sentences earned it."""
    chips = []
    for result in report.criteria:
        if not result.evidence:
            continue
        colour = criterion_colour(result.id)
        count = len(result.evidence)
        chips.append(
            f'<span style="white-space:nowrap;margin-right:12px">'
            f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
            f'background:{colour};margin-right:4px"></span>{html.escape(result.name)} '
            f"{result.score}/{result.max} · {count}</span>"
        )
    return f'<div class="nc-legend" style="font-size:.85rem;line-height:1.9">{"".join(chips)}</div>'


@st.cache_resource
def _component(folder: str, isolate_styles: bool = True):
    """One of our components (``ui/<folder>/<folder>.html|.css|.js``, whichever exist),
    registered once per server; no outside assets."""
    files = {
        part: Path(__file__).parent / folder / f"{folder}.{suffix}"
        for part, suffix in (("html", "html"), ("css", "css"), ("js", "js"))
    }
    return st.components.v2.component(
        f"narrative_coach_{folder}",
        isolate_styles=isolate_styles,
        **{p: f.read_text(encoding="utf-8") for p, f in files.items() if f.exists()},
    )


def keep_typed_text() -> None:
    """Script only (``ui/guard/guard.js``): a page link clicked while a changed text box is
    being committed waits for that commit, and a reload with uncommitted text asks first.
    Streamlit dropped such a click, so the text never reached the page's save."""
    _component("guard", isolate_styles=False)(key="keep-typed-text", height=0)


def render_highlighted(
    text: str, report: Report, criterion_id: str | None, key: str | None = None
) -> None:
    """The draft with its evidence marked. With a ``key``, the reader can click a sentence
    to see what it earned, and a plan step's button brings its sentences into view."""
    marks = evidence_marks(report, criterion_id)
    underline = criterion_id is None
    if key is None:
        st.html(highlighted_html(text, marks, underline=underline))
    else:
        sentences = make_draft(text).sentences
        markup = highlighted_html(
            text, marks, underline=underline, sentences=[(x.start, x.end) for x in sentences]
        )
        clicked = _component("draft_view")(
            key=key,
            data={"name": key, "html": markup, "focus": state.get("draft_focus")},
            on_sentence_change=lambda: None,  # a trigger is reported only when it has a callback
        ).sentence
        if isinstance(clicked, int):
            _what_it_earned(report, sentences, clicked)
    if criterion_id is None:
        st.html(evidence_legend_html(report))
        st.caption(
            "Underlined in each criterion's colour: thick for full marks, thin for part marks. "
            "Click a sentence to see what it earned, or pick one criterion above."
        )
        return
    result = report.criterion(criterion_id)
    if marks:
        st.caption(f"Highlighted: what earned **{esc(result.name)}** {result.score}/{result.max}.")
    else:
        st.caption(f"No sentence earned **{esc(result.name)}** yet. {esc(result.reason)}")


def _what_it_earned(report: Report, sentences, offset: int) -> None:
    sentence = next((x for x in sentences if x.start <= offset < max(x.end, x.start + 1)), None)
    if sentence is None:
        return
    earned = [
        f"**{esc(c.name)}** {c.score}/{c.max}"
        for c in report.criteria
        if any(e.start < sentence.end and sentence.start < e.end for e in c.evidence)
    ]
    quote = esc(sentence.text if len(sentence.text) <= 160 else sentence.text[:157] + "…")
    if earned:
        st.info(f"“{quote}” counts towards {', '.join(earned)}.", icon=":material/touch_app:")
    else:
        st.info(
            f"“{quote}” earned no criterion: the scorer found nothing in it for any of them.",
            icon=":material/touch_app:",
        )


# -- charts ------------------------------------------------------------------------------


def scores_frame(report: Report) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "criterion": c.name,
                "score": c.score,
                "max": c.max,
                "order": i,
                "reason": c.reason,
                "confidence": round(c.confidence, 2),
            }
            for i, c in enumerate(report.criteria)
        ]
    )


def scores_chart(report: Report) -> alt.LayerChart:
    """One compact bar per criterion: the score over a grey bar of the maximum."""
    frame = scores_frame(report)
    y = alt.Y(
        "criterion:N",
        sort=alt.SortField("order"),
        title=None,
        scale=alt.Scale(paddingInner=0.3),
        axis=alt.Axis(labelOverlap=False, labelLimit=220, labelFontSize=12),
    )
    colour = alt.Color(
        "score:O",
        scale=alt.Scale(domain=[0, 1, 2], range=[SCORE_COLOURS[i] for i in (0, 1, 2)]),
        legend=None,
    )
    tooltip = ["criterion", "score", "max", "confidence", "reason"]
    back = alt.Chart(frame).mark_bar(color="#e6e6e6").encode(x="max:Q", y=y, tooltip=tooltip)
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "score:Q",
                title="score (0–2)",
                scale=alt.Scale(domain=[0, 2]),
                axis=alt.Axis(values=[0, 1, 2], format="d"),
            ),
            y=y,
            color=colour,
            tooltip=tooltip,
        )
    )
    return (back + bars).properties(height=max(120, 26 * len(frame)))


def versions_frame(versions: Sequence[tuple[int, dict]]) -> pd.DataFrame:
    """(version number, stored report dict) -> one row per version and criterion."""
    rows = []
    for number, report in versions:
        for order, criterion in enumerate(report.get("criteria") or ()):
            rows.append(
                {
                    "version": number,
                    "overall": report.get("overall"),
                    "criterion": criterion.get("name") or criterion.get("id"),
                    "order": order,
                    "score": criterion.get("score"),
                }
            )
    return pd.DataFrame(rows)


def versions_charts(frame: pd.DataFrame) -> tuple[alt.Chart, alt.Chart]:
    """Overall across versions, and a criteria × versions heatmap."""
    x = alt.X("version:O", title="version", axis=alt.Axis(labelAngle=0))
    overall = (
        alt.Chart(frame.drop_duplicates("version"))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("overall:Q", scale=alt.Scale(domain=[0, 100]), title="overall"),
            tooltip=["version", "overall"],
        )
        .properties(height=180)
    )
    heat = (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=x,
            y=alt.Y(
                "criterion:N",
                sort=alt.SortField("order"),
                title=None,
                axis=alt.Axis(labelLimit=220, labelOverlap=False),
            ),
            color=alt.Color(
                "score:O",
                scale=alt.Scale(domain=[0, 1, 2], range=[SCORE_COLOURS[i] for i in (0, 1, 2)]),
                legend=alt.Legend(title="score", orient="bottom"),
            ),
            tooltip=["version", "criterion", "score"],
        )
        .properties(height=alt.Step(20))  # a row per criterion, whatever the container
    )
    return overall, heat


def heat_css(value: object) -> str:
    """Dataframe cell style for a 0/1/2 score (the workshop heatmap)."""
    if isinstance(value, int | float) and not pd.isna(value) and int(value) in SCORE_TINTS:
        return f"background-color: {SCORE_TINTS[int(value)]}; color: #1b1b1b"
    return ""


# -- coaching ----------------------------------------------------------------------------


def render_citation(citation: Citation) -> None:
    """A cited passage: the source in the label; expanding shows the passage and locator."""
    where = f" — {citation.locator}" if citation.locator else ""
    with st.expander(f":material/menu_book: {esc(citation.source)}{esc(where)}"):
        st.text(citation.text, width="stretch")
        st.caption(f"Source: {esc(citation.source)}{esc(where)}")


def render_coaching(feedback: Feedback, with_next_steps: bool = True) -> None:
    """Every criterion below full marks, with its question, pattern and cited passages (and
    the next steps, unless the plan above already says them)."""
    if with_next_steps and feedback.next_steps:
        st.markdown("**Next steps**")
        st.markdown("\n".join(f"{i}. {esc(s)}" for i, s in enumerate(feedback.next_steps, 1)))
    if feedback.strengths:
        st.success(
            "Already strong: " + esc(", ".join(feedback.strengths)), icon=":material/thumb_up:"
        )
    for item in feedback.items:
        with st.container(border=True):
            st.markdown(f"**{esc(item.name)}** · {item.score}/{item.max}")
            st.markdown(esc(item.diagnosis))
            for ev in item.evidence[:2]:
                st.text(f"“{ev.text.strip()}”", width="stretch")
            st.markdown(f"**Ask yourself:** {esc(item.question)}")
            if item.illustration:
                st.markdown(f"**A pattern to follow:** {esc(item.illustration)}")
            for citation in item.guidance:
                render_citation(citation)


def render_plan_and_feedback(
    plan, feedback: Feedback, *, trainer: bool = False, show_in: str | None = None
) -> None:
    """The plan first (one to three fixes, or ready), every criterion below full marks folded
    under it: what the writer and the trainer both read."""
    if trainer:
        st.info(feedback.trainer_summary, icon=":material/school:")
    render_plan(plan, show_in)
    if feedback.items:
        with st.expander("Every criterion below full marks"):
            render_coaching(feedback, with_next_steps=not (plan and (plan.ready or plan.steps)))


def render_plan(plan, show_in: str | None = None) -> None:
    """The coaching plan: one to three fixes, each quoting the draft, or "ready".

    ``show_in`` names the page's "Show the evidence for" picker: each fix about a criterion
    then has a button that marks that criterion's sentences in the draft above."""
    if plan is None:
        return
    if plan.ready:
        st.success(esc(plan.rehearse), icon=":material/check_circle:")
        return
    if not plan.steps:
        return
    st.markdown("**Your next fixes**")
    if plan.close_call_note:
        st.caption(esc(plan.close_call_note))
    for number, step in enumerate(plan.steps, 1):
        with st.container(border=True):
            st.markdown(f"**{number}. {esc(step.diagnosis)}**")
            st.markdown(esc(step.move))
            if step.question:
                st.markdown(f"**Ask yourself:** {esc(step.question)}")
            if step.illustration:
                render_illustration(step.illustration)
            for citation in step.citations[:1]:
                render_citation(citation)
            if show_in and step.criterion:
                st.button(
                    "Mark its sentences in the draft",
                    icon=":material/ink_highlighter:",
                    key=state.widget("plan.show", str(number)),
                    on_click=_show_criterion,
                    args=(show_in, step.criterion),
                )


def _show_criterion(picker: str, criterion: str) -> None:
    state.seed(picker, criterion)
    state.set("draft_focus", state.get("draft_focus") + 1)  # the draft view scrolls to them
    st.toast("Marked above, in the draft: the sentences this fix is about.")


def render_illustration(example) -> None:
    """A pattern from a similar setting: weak, then strong, then the move in general words."""
    st.caption(
        f"The pattern, from {esc(example.setting)} (an example, not text to copy): "
        f"“{esc(example.weak)}” → “{esc(example.strong)}” — {esc(example.pattern)}"
    )


# -- rehearsal ---------------------------------------------------------------------------


def teleprompter_html(
    paragraphs: Sequence[str], current: int, font_px: int, show_all: bool = False
) -> str:
    """Large text for reading aloud; the current paragraph bright, the others dimmed."""
    if not paragraphs:
        return ""
    current = max(0, min(current, len(paragraphs) - 1))
    shown = (
        range(len(paragraphs)) if show_all else range(current, min(current + 2, len(paragraphs)))
    )
    blocks = []
    for i in shown:
        opacity = "1" if i == current else "0.35"
        marker = ' class="nc-current"' if i == current else ""
        blocks.append(  # the size on each paragraph too: the app's theme sizes <p> itself
            f'<p{marker} style="opacity:{opacity};margin:0 0 .8em 0;font-size:{int(font_px)}px;'
            f'line-height:1.45">{html.escape(paragraphs[i])}</p>'
        )
    return (
        f'<div class="nc-prompter" style="font-size:{int(font_px)}px;line-height:1.45;'
        "background:#111418;color:#f4f4f4;padding:24px 28px;border-radius:10px;"
        f'max-height:65vh;overflow:auto;white-space:pre-wrap">{"".join(blocks)}</div>'
    )


STAGE_DIR = Path(__file__).parent / "stage"


def stage(paragraphs: Sequence[str], font_px: int, target_s: float, key: str) -> list[float] | None:
    """The rehearsal stage (``ui/stage/``): the words, a large clock, keyboard stepping.

    The draft goes to the browser as data, and the stage sets it with textContent, so its
    markup is shown, never run. Returns the seconds each paragraph was on screen when the
    speaker finishes a run, else None.
    """
    result = _component("stage")(
        key=key,
        data={
            "name": key,
            "paragraphs": list(paragraphs),
            "font_px": int(font_px),
            "target_s": target_s,
        },
        on_run_change=lambda: None,  # a trigger is reported only when it has a callback
    )
    run = result.run
    seconds = run.get("seconds") if isinstance(run, dict) else None
    if not isinstance(seconds, list) or len(seconds) != len(paragraphs):
        return None
    try:
        return [float(s) for s in seconds]
    except (TypeError, ValueError):
        return None


def diff_html(changes) -> str:
    """A revision as one block of text: removed words struck through in red, added in green.
    Every piece is escaped (the draft is user text)."""
    styles = {
        "same": "",
        "removed": "background:#f8d7da;text-decoration:line-through",
        "added": "background:#d1e7dd",
    }
    tags = {"same": "span", "removed": "del", "added": "ins"}
    parts = []
    for change in changes:
        tag, style = tags[change.kind], styles[change.kind]
        attribute = f' style="{style}"' if style else ""
        parts.append(f"<{tag}{attribute}>{html.escape(change.text)}</{tag}>")
    return (
        '<div class="nc-diff" style="white-space:pre-wrap;line-height:1.6">'
        + "".join(parts)
        + "</div>"
    )
