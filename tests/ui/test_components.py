"""The HTML we build from user text: escaped always, evidence marked where the Report says."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from coach.scoring.pipeline import build_scorer, score_text
from ui.components import Mark, evidence_marks, highlighted_html, teleprompter_html

TAG = re.compile(r"<(/?)([a-zA-Z]+)")


def tags(markup: str) -> set[str]:
    return {name.lower() for _, name in TAG.findall(markup)}


@given(st.text(), st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60)), max_size=6))
def test_any_text_with_any_spans_yields_only_our_tags(text, spans):
    marks = [Mark(a, b, "<b>label</b>", "#fff3cd") for a, b in spans]
    markup = highlighted_html(text, marks)
    assert tags(markup) <= {"div", "mark"}
    visible = re.sub(r"<[^>]+>", "", markup)
    assert html.unescape(visible) == text  # every character shown, none lost or doubled


@given(st.lists(st.text(min_size=1), min_size=1, max_size=5), st.integers(0, 10))
def test_teleprompter_escapes_every_paragraph(paragraphs, current):
    markup = teleprompter_html(paragraphs, current, 40, show_all=True)
    assert tags(markup) <= {"div", "p"}
    assert markup.count('class="nc-current"') == 1


def test_evidence_marks_follow_the_report():
    text = (
        "In May the clinic closed. I chose to organise my neighbours, and we won it back. "
        "Come to the meeting on Tuesday at 7 pm at the library."
    )
    report = score_text(text, build_scorer(with_embeddings=False))
    action = report.criterion("call_to_action")
    marks = evidence_marks(report, "call_to_action")
    assert [(m.start, m.end) for m in marks] == [(e.start, e.end) for e in action.evidence]
    markup = highlighted_html(text, marks)
    assert markup.count("<mark") == len(action.evidence)
    assert "Come to the meeting on Tuesday" in markup


def test_overlapping_evidence_lists_every_criterion():
    markup = highlighted_html(
        "We chose hope.", [Mark(0, 14, "Choice", "#d1e7dd"), Mark(3, 8, "Hope", "#fff3cd")]
    )
    assert 'title="Choice; Hope"' in markup
    assert markup.count("<mark") == 3


def test_time_against_a_target_reads_the_same_on_every_page():
    from ui.components import against_target

    assert against_target(245, 180) == "1:05 over a 3:00 target"
    assert against_target(129, 180) == "0:51 under a 3:00 target"


def test_each_criterion_has_its_own_colour_and_part_marks_look_different():
    from ui.components import CRITERION_COLOURS, evidence_legend_html

    text = (
        "In May the clinic closed. I chose to organise my neighbours, and we won it back. "
        "Come to the meeting on Tuesday at 7 pm at the library."
    )
    report = score_text(text, build_scorer(with_embeddings=False))
    assert len(set(CRITERION_COLOURS.values())) == len(CRITERION_COLOURS)
    every = highlighted_html(text, evidence_marks(report), underline=True)
    assert "linear-gradient" in every and "background:#" not in every  # bars, not paint
    earned = [c for c in report.criteria if c.evidence and c.id in CRITERION_COLOURS]
    for criterion in earned:
        assert CRITERION_COLOURS[criterion.id] in every
    one = earned[0]
    alone = highlighted_html(text, evidence_marks(report, one.id))
    assert f"background:{CRITERION_COLOURS[one.id]}" in alone
    assert ("dashed" in alone) == (one.score < one.max)  # part marks: dashed and lighter
    legend = evidence_legend_html(report)
    assert all(f"{c.name} {c.score}/{c.max} · {len(c.evidence)}" in legend for c in earned)


def test_the_stage_sets_the_draft_as_text_never_as_markup():
    """The draft reaches the stage as data; its script may only use textContent for it
    (the browser test shows a draft's <img> tag as words on the stage)."""
    from ui.components import STAGE_DIR

    script = (STAGE_DIR / "stage.js").read_text(encoding="utf-8")
    assert "p.textContent = paragraph" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
