"""The feedback as a PDF on A4, for a campaign lead to print: the twin of the Word export.

Same content, in the same words, as ``word_export.feedback_docx`` (``export_parts``): the
title, the overall score, one row per criterion (its colour from ``palette``, its score and
why), the plan — each step's diagnosis, the draft's sentences it quotes, the move, the
question, the pattern and one cited passage — then the draft itself. Where there is no plan
(nothing assessed), the feedback's next steps stand in for it, as in the plain text.

Built with fpdf2 and DejaVu Sans (regular and bold, shipped in ``coach/data/fonts`` with its
licence): no system font, no network. A typical draft (400 words, a three-step plan) takes
two pages; longer text flows onto more pages, never off the page and never cut, with
"page N of M" at the foot of each. Every piece of the user's text goes in as text, never as
markup (no Markdown, no HTML, and ``{nb}`` in a draft stays ``{nb}``).

Characters the font cannot draw do not fail the export. Controls, lone surrogates and
non-characters are left out (as in the Word export); format characters (zero-width joiners,
direction marks) and combining marks the font lacks are left out too; a space the font lacks
becomes a plain space; any other character it lacks (CJK, emoji, most scripts outside
Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic) is shown as the visible
replacement character U+FFFD "�", so a reader can see that something is missing. Right-to-
left text is drawn in its stored (logical) order and unshaped: fpdf2 orders and shapes it
only through the optional uharfbuzz package, which is not a dependency.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace
from fpdf.errors import FPDFException

from coach.coaching import export_parts as parts
from coach.coaching.palette import criterion_colour, rgb
from coach.errors import InputError

#: Most characters (title and draft) an export takes: about 50,000 words, more than the
#: longest draft the scorer accepts (``COACH_MAX_WORDS``, 20,000), and a few seconds' work.
MAX_CHARS = 300_000
#: A table cell's text (a criterion's name or reason, from the rubric) is cut to this: a
#: row of the table must fit on one page.
CELL_CHARS = 600
#: Most line breaks an export takes: a 20,000-word poem has a few thousand; a text of empty
#: lines would otherwise make thousands of near-empty pages.
MAX_LINES = 20_000

FONT = "DejaVuSans"
FONT_DIR = Path(__file__).parent.parent / "data" / "fonts"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
REPLACEMENT = "\ufffd"

_MARGIN = 16.0  # mm, left and right
_TOP = 14.0
_BOTTOM = 16.0  # room for the footer
_INDENT = 6.0  # a plan step's text, right of its number
_BLACK = (27, 27, 27)
_GREY = (85, 85, 85)
_RULE = (200, 200, 200)
_HEADINGS = (238, 238, 238)
#: The diagnosis quotes a long sentence by its first 80 to 90 characters; a sentence whose
#: first 60 are there is not quoted again.
_QUOTED = 60
_LINE_BREAK = re.compile(r"\r\n?|\n")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def feedback_pdf(report, plan, feedback, text: str, title: str = "") -> bytes:
    """The scores, the plan and the draft as an A4 PDF (one page, more if the text needs it).

    ``report``, ``plan`` (or None) and ``feedback`` (or None) as ``coach_text`` gives them,
    ``text`` the draft they were made from, ``title`` the draft's name. Raises ``InputError``
    for text over ``MAX_CHARS`` characters or ``MAX_LINES`` line breaks (a few seconds' work
    at most, a few hundred pages), or for a draft or title that is not a string.
    """
    if not isinstance(text, str) or not isinstance(title, str):
        raise InputError("the draft and its title must be text")
    if problem := too_large(text, title):
        raise InputError(problem)
    try:
        return _build(report, plan, feedback, text, title)
    except FPDFException as exc:  # a layout fpdf2 cannot make: a message, not a traceback
        raise InputError(f"could not lay the draft out as a PDF: {exc}") from exc


def too_large(text: str, title: str = "") -> str:
    """Why this draft is past the PDF export's limits ('' when it is not): a page can ask
    before it offers the download."""
    size = len(text) + len(title)
    lines = len(_LINE_BREAK.findall(text)) + len(_LINE_BREAK.findall(title))
    if size <= MAX_CHARS and lines <= MAX_LINES:
        return ""
    much = f"{size:,} characters" if size > MAX_CHARS else f"{lines:,} line breaks"
    most = f"{MAX_CHARS:,} characters" if size > MAX_CHARS else f"{MAX_LINES:,} line breaks"
    return (
        f"the draft has {much}; a PDF export holds at most {most}. "
        "Download it as text instead, or split it into separate drafts."
    )


def _build(report, plan, feedback, text: str, title: str) -> bytes:
    pdf = _Document()
    heading = printable(parts.title_of(title))
    pdf.set_title(heading[:200])
    pdf.set_creator("Narrative Coach")
    language = getattr(report, "language", "")
    if isinstance(language, str) and _LANGUAGE_TAG.fullmatch(language):
        pdf.set_lang(language)
    pdf.add_page()
    pdf.text_block(heading, size=15, bold=True, height=7)
    _headline(pdf, report)
    _scores(pdf, report)
    pdf.section("Your plan")
    _plan(pdf, plan, feedback)
    if feedback is not None and feedback.trainer_summary:
        pdf.ln(1)
        pdf.text_block(printable(parts.trainer_line(feedback)), size=8.5, colour=_GREY)
    pdf.section("The draft")
    for paragraph in parts.draft_paragraphs(text):
        pdf.text_block(printable(paragraph), size=10, height=4.9)
        pdf.ln(1.6)
    pdf.str_alias_nb_pages = "{nb}"  # from here on only the last footer is drawn
    return bytes(pdf.output())


def printable(value: object) -> str:
    """Text the shipped font can draw: see the module's docstring for what becomes of the rest."""
    cleaned = parts.clean(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(map(_glyph, cleaned))


@lru_cache(maxsize=1 << 16)
def _glyph(character: str) -> str:
    if character == "\n" or ord(character) in _covered():
        return character
    category = unicodedata.category(character)
    if category in ("Cc", "Cf", "Mn", "Me"):
        return ""
    if category == "Zs":
        return " "
    return REPLACEMENT


@cache
def _covered() -> frozenset[int]:
    """The code points both shipped faces have a glyph for."""
    maps = []
    for name in _FONT_FILES.values():
        with TTFont(FONT_DIR / name, lazy=True) as font:
            maps.append(frozenset(font.getBestCmap()))
    return frozenset.intersection(*maps)


class _Document(FPDF):
    """A4 in portrait, DejaVu Sans, margins for printing, "page N of M" at the foot."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for style, name in _FONT_FILES.items():
            self.add_font(FONT, style, FONT_DIR / name)
        self.set_margins(_MARGIN, _TOP, _MARGIN)
        self.set_auto_page_break(True, margin=_BOTTOM)
        # The user's text is drawn with no page-count alias, so "{nb}" in a draft stays text;
        # the footer sets it while it draws, and ``feedback_pdf`` before the last footer.
        self.alias_nb_pages(None)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=8)
        self.set_text_color(*_GREY)
        alias, self.str_alias_nb_pages = self.str_alias_nb_pages, "{nb}"
        self.cell(0, 4, f"Narrative Coach feedback · page {self.page_no()} of {{nb}}", align="C")
        self.str_alias_nb_pages = alias

    def style(self, size: float, bold: bool = False, colour=_BLACK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)

    def text_block(
        self, text: str, size: float, bold: bool = False, colour=_BLACK, height: float = 0
    ) -> None:
        """A paragraph from the left margin to the right one, wrapped (words too long for a
        line are broken), continued on the next page if it must be."""
        self.style(size, bold, colour)
        self.multi_cell(0, height or size * 0.46, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def section(self, heading: str) -> None:
        self.ln(3)
        if self.will_page_break(16):  # a heading is never left alone at the foot of a page
            self.add_page()
        self.text_block(heading, size=12, bold=True, height=6)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def swatch(self, colour: str, x: float, y: float, size: float = 2.6) -> None:
        self.set_fill_color(*rgb(colour))
        self.rect(x, y, size, size, style="F")


def _headline(pdf: _Document, report) -> None:
    pdf.ln(0.5)
    pdf.style(10.5, bold=True)
    pdf.write(5.5, parts.overall(report))
    pdf.style(9.5, colour=_GREY)
    pdf.write(5.5, printable(parts.summary(report)))
    pdf.ln(7)


def _scores(pdf: _Document, report) -> None:
    if not parts.judged_criteria(report):
        return
    pdf.style(8.5)
    headings = FontFace(emphasis="BOLD", fill_color=_HEADINGS)
    with pdf.table(
        col_widths=(48, 22, 108),
        width=pdf.epw,
        headings_style=headings,
        line_height=3.9,
        padding=(0.6, 1.4),
        text_align="LEFT",
        v_align="TOP",
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        row = table.row()
        for heading in ("Criterion", "Score", "Why"):
            row.cell(heading)
        for criterion in report.criteria:
            tint = _tint(criterion_colour(criterion.id))
            row = table.row()
            name = _cell(criterion.name)
            row.cell(name, style=FontFace(emphasis="BOLD", fill_color=tint))
            row.cell(printable(parts.score_label(criterion)))
            row.cell(_cell(criterion.reason), style=FontFace(color=_GREY))


def _plan(pdf: _Document, plan, feedback) -> None:
    if plan is None or (not plan.steps and not plan.ready):
        for step in feedback.next_steps if feedback is not None else ():
            pdf.text_block(printable(f"• {step}"), size=10, height=4.9)
        return
    if plan.ready:
        pdf.text_block(printable(plan.rehearse), size=10, height=4.9)
    if plan.close_call_note:
        pdf.text_block(printable(plan.close_call_note), size=9.5, colour=_GREY, height=4.5)
    for number, step in enumerate(plan.steps, 1):
        pdf.ln(1.5)
        if pdf.will_page_break(15):  # the step's number and its first lines stay together
            pdf.add_page()
        top = pdf.get_y()
        pdf.swatch(criterion_colour(step.criterion), pdf.l_margin, top + 1.0)
        pdf.set_left_margin(_MARGIN + _INDENT)
        pdf.set_x(_MARGIN + _INDENT)
        try:
            _step(pdf, number, step)
        finally:
            pdf.set_left_margin(_MARGIN)
            pdf.set_x(_MARGIN)


def _step(pdf: _Document, number: int, step) -> None:
    diagnosis = printable(step.diagnosis)
    pdf.text_block(f"{number}. {diagnosis}", size=10, bold=True, height=4.9)
    said = " ".join(diagnosis.split())
    for evidence in step.evidence:
        quote = " ".join(printable(evidence.text).split())
        if quote and quote[:_QUOTED] not in said:  # the diagnosis quotes it (or its start)
            pdf.text_block(f"In your draft: “{quote}”", size=9.5, colour=_GREY, height=4.5)
    pdf.text_block(printable(step.move), size=10, height=4.9)
    if step.question:
        pdf.text_block(printable(parts.question_line(step.question)), size=10, height=4.9)
    if step.illustration:
        pdf.style(8.5, bold=True, colour=_GREY)
        pdf.write(4.1, printable(parts.pattern_lead(step.illustration)))
        pdf.style(8.5, colour=_GREY)
        pdf.write(4.1, printable(parts.pattern_text(step.illustration)))
        pdf.ln(4.6)
    for citation in step.citations[:1]:
        pdf.text_block(printable(parts.citation_line(citation)), size=8.5, colour=_GREY)


def _cell(value: object) -> str:
    text = printable(value)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _tint(colour: str, strength: float = 0.28) -> tuple[int, int, int]:
    """The colour mixed with white: a background the black text stays readable on."""
    return tuple(round(255 - (255 - part) * strength) for part in rgb(colour))  # type: ignore[return-value]
