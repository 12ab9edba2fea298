"""The feedback as a PDF to print: scores, the plan in the draft's words, cited guidance, the
draft — on A4, read back with pypdf as a reader's PDF viewer would."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from coach.coaching.coached import coach_text
from coach.coaching.pdf_export import MAX_CHARS, feedback_pdf
from coach.errors import InputError
from coach.library.retrieve import Retriever
from coach.scoring.pipeline import score_text
from coach.settings import Settings

A4_POINTS = (595, 842)  # 210 x 297 mm

#: About 400 words: a story of self and us that ends on a vague ask, as many first drafts do.
DRAFT = """\
When I was nine my grandmother took me on the number 14 bus every Saturday. She could not \
drive, and the bus was how she reached the market, the library and the clinic where she had \
her eyes checked. I remember the driver, a tall man called Mr Pereira, who waited while she \
climbed the steps and always asked about her roses.

I did not think much about that bus until last year, when I moved back to the town and \
started visiting my grandmother again. She is ninety now. The bus still runs, but only twice \
a day, and the company has said it may stop the route altogether. I have thought a lot about \
what that would mean for her and for people like her, who have nobody to drive them and no \
other way to get out of the house.

For a long time I assumed somebody else would deal with it. The council, the company, maybe \
a charity. I told myself it was not my place. But over the last few months I have talked to \
people at the stop outside the post office, and I have started to see the problem \
differently. There is a woman who takes the bus to her dialysis appointments. There is a \
student who uses it to reach college. There is a man who works nights at the bakery and has \
no other way home.

We are not just passengers. We are a community that depends on one another, and I think \
most of us believe that nobody should be cut off from the people and places they need. That \
is something we share, even if we have never spoken about it.

I think things could be better. Maybe the route could be kept, or maybe a community minibus \
could take its place, or maybe the company could be persuaded to think again. I am not sure \
what the answer is, and I do not want to pretend that I know. But I do believe that if \
enough of us care, something good might happen.

So I would encourage everyone to get involved in whatever way feels right to them. Share \
this with your friends, talk to your neighbours, and let people know how much the number 14 \
means to you. Together we can make a difference, and I hope that in a year from now my \
grandmother will still be able to ride to the market and tell the driver about her roses.
"""

HOSTILE = (
    "<script>alert(1)</script> <b>Come</b> to the **hall** on Tuesday {nb} at 7 pm.\x00\n\n"
    "Lone \ud800 surrogate, a bell\x07, a form feed\x0c and a tab\there.\n\n"
    + "Supercalifragilistic" * 400
    + "\n\nשלום עולם — مرحبا بالعالم. 我们的图书馆要关闭了。 The end."
)


def words_of(data: bytes) -> tuple[PdfReader, str]:
    """The PDF as a reader sees it: its pages, and its text with line breaks undone."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


def is_a4(reader: PdfReader) -> bool:
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    return sizes == {A4_POINTS}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, seeded_data_dir: Path, scorer) -> Retriever:
    """The built-in guidance cards, so the plan cites real passages (as in the app)."""
    data_dir = tmp_path_factory.mktemp("coach-data")
    shutil.copytree(seeded_data_dir / "chroma", data_dir / "chroma")
    retriever = Retriever.from_settings(Settings(data_dir=data_dir), embedder=scorer.embedder)
    retriever.sync_corpus()
    return retriever


def test_a_scored_draft_prints_its_scores_plan_and_citations_on_two_a4_pages(scorer, library):
    report = score_text(DRAFT, scorer)
    coached = coach_text(report, scorer, DRAFT, library)
    plan = coached.plan
    assert len(plan.steps) == 3 and 380 <= report.word_count <= 420

    data = feedback_pdf(coached.report, plan, coached.feedback, DRAFT, "The number 14 <b>")

    reader, shown = words_of(data)
    assert data.startswith(b"%PDF-") and is_a4(reader)
    assert len(reader.pages) == 2  # scores and plan, then the end of the plan and the draft
    assert shown.startswith("The number 14 <b>")  # a title is text, never markup
    assert f"Overall {report.overall}/100" in shown
    for criterion in report.criteria:
        assert f"{criterion.name} {criterion.score}/{criterion.max}" in shown
    first = plan.steps[0]
    assert first.evidence and first.citations
    for evidence in first.evidence:  # a long sentence is quoted by its start in the diagnosis
        assert " ".join(evidence.text.split())[:60] in shown
    cited = first.citations[0]
    assert f"See: {cited.source}" in shown
    assert " ".join(cited.text.split())[:80] in shown  # the passage's words, not only its title
    assert "grandmother will still be able to ride to the market" in shown  # the draft's end
    assert "page 2 of 2" in shown


def test_hostile_text_makes_a_readable_pdf_and_an_oversized_draft_a_clear_error(scorer):
    report = score_text(HOSTILE, scorer)
    coached = coach_text(report, scorer, HOSTILE)

    data = feedback_pdf(coached.report, coached.plan, coached.feedback, HOSTILE, "\x00<i>{nb}")

    reader, shown = words_of(data)
    assert is_a4(reader)
    assert shown.startswith("<i>{nb}")
    assert "<script>alert(1)</script> <b>Come</b> to the **hall** on Tuesday {nb} at 7 pm." in shown
    assert "Lone surrogate, a bell, a form feed and a tab here." in shown
    assert "Supercalifragilistic" * 20 in "".join(shown.split())  # broken across lines, kept
    assert "\ufffd" in shown and "The end." in shown  # a glyph the font lacks: visibly replaced

    long = " ".join(f"word{n}" for n in range(20_000))
    started = time.perf_counter()
    data = feedback_pdf(coached.report, coached.plan, coached.feedback, long, "A long one")
    assert time.perf_counter() - started < 30
    reader, shown = words_of(data)
    assert is_a4(reader) and len(reader.pages) > 10
    assert shown.endswith(
        f"word19999 Narrative Coach feedback · page {len(reader.pages)} of {len(reader.pages)}"
    )

    with pytest.raises(InputError, match="a PDF export holds at most"):
        feedback_pdf(coached.report, coached.plan, coached.feedback, "x" * (MAX_CHARS + 1))
