"""Reading real files: what each format yields, and what bad input is told."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from coach.errors import InputError
from coach.library.sources import (
    MAX_DOCX_UNPACKED_BYTES,
    MAX_DOCX_XML_BYTES,
    MAX_HTML_BYTES,
    MAX_PDF_BYTES,
    MAX_PDF_PAGE_CONTENT_BYTES,
    MAX_SOURCE_BYTES,
    decode_text,
    html_to_text,
    load_card,
    load_source,
)

# ---------------------------------------------------------------- PDF


def test_pdf_pages_become_sections_with_page_locators(make_pdf):
    path = make_pdf(
        "handbook.pdf",
        [["Welcome to the handbook."], ["Relationships come first."], ["Make one ask."]],
        title="Organising handbook",
    )
    source = load_source(path)
    sections = list(source.sections())
    assert source.kind == "pdf" and source.pages == 3
    assert source.title == "Organising handbook"
    assert [s.locator for s in sections] == ["p. 1", "p. 2", "p. 3"]
    assert "Relationships come first." in sections[1].text
    assert sections[2].page == 3


def test_a_placeholder_title_gives_way_to_the_file_name(make_pdf):
    path = make_pdf("night-shift-handbook.pdf", ["Listen first."], title="Untitled")
    assert load_source(path).title == "night-shift-handbook"


def test_pdf_with_a_password_is_refused_with_advice(make_pdf):
    path = make_pdf("locked.pdf", [["secret plans"]], user_password="s3cret")
    with pytest.raises(InputError, match="password-protected"):
        load_source(path)


def test_pdf_encrypted_with_an_empty_user_password_opens(make_pdf):
    path = make_pdf("owner-only.pdf", [["Readable by anyone."]], user_password="")
    sections = list(load_source(path).sections())
    assert "Readable by anyone." in sections[0].text


def test_scanned_pdf_says_ocr_is_not_supported(make_scanned_pdf):
    source = load_source(make_scanned_pdf())
    with pytest.raises(InputError, match="no extractable text — OCR is not supported"):
        list(source.sections())


def test_truncated_pdf_is_refused(make_pdf):
    path = make_pdf("whole.pdf", [["page one"], ["page two"]])
    cut = path.with_name("cut.pdf")
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    with pytest.raises(InputError, match="truncated"):
        load_source(cut)


def test_corrupt_pdf_is_refused(write):
    path = write("broken.pdf", b"%PDF-1.4\n" + b"\x00not really a pdf" * 50 + b"\n%%EOF\n")
    with pytest.raises(InputError, match="corrupt"):
        load_source(path)


def test_renamed_file_is_not_a_pdf(write):
    with pytest.raises(InputError, match="not a PDF"):
        load_source(write("notes.pdf", "just some text"))


# ---------------------------------------------------------------- Markdown and cards


def test_markdown_sections_keep_their_heading_path(write):
    text = "# Guide\n\nIntro words.\n\n## The ask\n\nMake one ask.\n\n```\n# not a heading\n```\n"
    path = write("guide.md", text)
    source = load_source(path)
    sections = list(source.sections())
    assert source.title == "Guide"
    assert [s.locator for s in sections] == ["Guide", "Guide > The ask"]
    ask = sections[1]
    assert text[ask.start : ask.start + len(ask.text)] == ask.text
    assert "# not a heading" in ask.text


def test_a_card_without_a_located_source_is_refused(tmp_path):
    card = tmp_path / "no-locator.md"
    card.write_text(
        "---\nid: no-locator\ntitle: T\ncriteria: []\nsources:\n  - title: A book\n---\nBody.\n"
    )
    with pytest.raises(InputError, match="every source needs a title and a locator"):
        load_card(card)


def test_card_front_matter_becomes_metadata(card_dir):
    card = load_card(card_dir / "ask-one-thing.md")
    assert card.kind == "card"
    assert card.title == "Ask for one specific thing"
    assert card.meta["id"] == "ask-one-thing"
    assert card.meta["criteria"] == ["call_to_action", "specificity"]
    assert card.meta["sources"] == [
        {
            "title": "Test source",
            "author": "Workshop notes",
            "year": "",
            "url": "https://example.org/workshop-notes",
            "locator": "The ask",
        }
    ]
    assert card.meta["audience"] == ["lead", "champion"]
    assert card.meta["questions"][1] == "Should I give people a list of options?"
    body = "".join(s.text for s in card.sections())
    assert "---" not in body and "End with one ask" in body
    assert "closing line" not in body  # questions are front matter, not the card's text


def test_card_without_sources_is_refused(write):
    path = write("bad-card.md", "---\nid: bad-card\ntitle: Bad\n---\nBody.\n")
    with pytest.raises(InputError, match="lacks sources"):
        load_card(path)


def test_card_questions_must_be_a_list_of_strings(write):
    head = (
        "---\nid: q-card\ntitle: Q\ncriteria: [hope]\nsources: [{title: A guide, locator: p. 3}]\n"
    )
    path = write("q-card.md", head + "questions: what now?\n---\nBody.\n")
    with pytest.raises(InputError, match="'questions' must be a list"):
        load_card(path)
    assert load_card(write("plain.md", head + "---\nBody.\n")).meta["questions"] == []


# ---------------------------------------------------------------- HTML and DOCX


def test_html_keeps_visible_text_and_drops_scripts_and_styles(write):
    html = """<html><head><title>Campaign brief</title><style>p {color: red}</style></head>
    <body><script>var tracking = "do not index me";</script>
    <h1>Brief</h1><p>We ask every <b>ward</b> to send one rep.</p>
    <h2>Timeline</h2><p>The vote is on 3 June.</p><noscript>enable js</noscript></body></html>"""
    source = load_source(write("brief.html", html))
    sections = list(source.sections())
    text = " ".join(s.text for s in sections)
    assert source.title == "Campaign brief"
    assert "We ask every ward to send one rep." in text
    assert "tracking" not in text and "color" not in text and "enable js" not in text
    assert [s.locator for s in sections] == ["Brief", "Brief > Timeline"]


def test_docx_headings_become_locators(make_docx):
    path = make_docx(
        "plan.docx",
        [("h1", "Plan"), ("p", "Start with a house meeting."), ("h2", "Ask"), ("p", "Sign up.")],
        title="Campaign plan",
    )
    source = load_source(path)
    sections = list(source.sections())
    assert source.kind == "docx" and source.title == "Campaign plan"
    assert [(s.locator, s.text.strip()) for s in sections] == [
        ("Plan", "Start with a house meeting."),
        ("Plan > Ask", "Sign up."),
    ]


def test_html_text_keeps_blocks_on_their_own_lines():
    html = (
        "<!DOCTYPE html><!-- build 7 --><h1>Plan</h1><p>Door <b>knocking</b><br>on Saturday</p>"
        "<ul><li>Bring water</li><li>Bring a friend</li></ul>"
        "<table><tr><th>Ward 3</th><td>12 doors</td></tr></table>"
        "<h3> </h3><template><p>hidden</p></template>tail words"
    )
    assert html_to_text(html) == (
        "Plan",
        "# Plan\nDoor knocking\non Saturday\nBring water\nBring a friend\n\n"
        "Ward 3 12 doors\n\ntail words\n",
    )


def test_a_long_html_page_is_read_in_linear_time(write):
    """20,000 paragraphs took 18 s when a newline was inserted after each block in the tree."""
    body = "".join(f"<p>Paragraph {n} about the campaign.</p>" for n in range(20_000))
    started = time.perf_counter()
    source = load_source(write("long.html", f"<html><body>{body}</body></html>"))
    (section,) = list(source.sections())
    assert time.perf_counter() - started < 5
    assert section.text.splitlines()[19_999] == "Paragraph 19999 about the campaign."


def test_corrupt_docx_is_refused(write):
    with pytest.raises(InputError, match="not a readable .docx"):
        load_source(write("old.docx", b"PK\x03\x04 this zip is broken"))


def rewrite_member(docx: Path, member: str, data: bytes) -> Path:
    """A copy of ``docx`` with one member of the zip replaced (how damaged files look)."""
    damaged = docx.with_name(f"damaged-{docx.name}")
    with zipfile.ZipFile(docx) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            target.writestr(item, data if item.filename == member else source.read(item))
    return damaged


@pytest.mark.parametrize("member", ["word/document.xml", "word/styles.xml"])
def test_docx_with_damaged_xml_is_refused_with_advice(make_docx, member):
    good = make_docx("plan.docx", [("h1", "Plan"), ("p", "Start with a house meeting.")])
    damaged = rewrite_member(good, member, b"<w:document><unclosed>")
    with pytest.raises(InputError, match="damaged .*save it again"):
        load_source(damaged)


def test_a_docx_that_unpacks_to_too_much_is_refused_before_parsing(make_docx):
    good = make_docx("plan.docx", [("p", "Start with a house meeting.")])
    bomb = good.with_name("bomb.docx")
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        out.writestr("word/media/padding.bin", bytes(MAX_DOCX_UNPACKED_BYTES + 1))
    assert bomb.stat().st_size < 1024 * 1024  # small on disk, huge unpacked
    with pytest.raises(InputError, match=r"would unpack to \d+ MB; the limit is 50 MB"):
        load_source(bomb)


def test_a_docx_whose_text_unpacks_to_too_much_is_refused_before_parsing(make_docx):
    """Under the total limit but with 12 MB of XML: parsing it would take gigabytes."""
    good = make_docx("plan.docx", [("p", "Start with a house meeting.")])
    heavy = good.with_name("heavy.docx")
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(heavy, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        out.writestr("word/padding.xml", b"<a>" + b"<b/>" * (MAX_DOCX_XML_BYTES // 4) + b"</a>")
    with pytest.raises(InputError, match=r"text and layout unpack to \d+ MB; the limit is 10 MB"):
        load_source(heavy)


def test_a_pdf_page_that_unpacks_to_too_much_is_refused_before_extraction(tmp_path):
    """A small file whose one page holds megabytes of text-drawing instructions."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    stream = StreamObject()
    line = b"BT /F1 12 Tf 72 720 Td (Organise the night shift) Tj ET\n"
    stream.set_data(line * (MAX_PDF_PAGE_CONTENT_BYTES // len(line) + 1000))
    stream = stream.flate_encode()
    page[NameObject("/Contents")] = writer._add_object(stream)
    path = tmp_path / "dense.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert path.stat().st_size < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(InputError, match=r"dense.pdf: page 1 unpacks to \d+ MB of content"):
        list(load_source(path).sections())
    assert time.monotonic() - started < 10


def test_any_parser_failure_is_an_input_error_naming_the_file(write):
    """PyYAML raises ValueError (not YAMLError) for an impossible date in front matter."""
    path = write("notes.md", "---\ntitle: Notes\ndate: 2024-13-45\n---\n# Notes\n\nText.\n")
    with pytest.raises(
        InputError,
        match=r"notes.md: could not read this markdown file \(ValueError: month must be",
    ):
        load_source(path)


def sparse_file(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes that takes no disk space (only the size is checked first)."""
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


def test_files_above_the_size_limit_are_refused_before_reading(tmp_path):
    text = sparse_file(tmp_path / "huge.txt", MAX_SOURCE_BYTES * 2, b"words ")
    with pytest.raises(InputError, match="huge.txt: the file is 40.0 MB; the limit for text files"):
        load_source(text)
    pdf = sparse_file(tmp_path / "huge.pdf", MAX_PDF_BYTES + 1, b"%PDF-1.4\n")
    with pytest.raises(InputError, match="the limit for pdf files is 200 MB"):
        load_source(pdf)
    page = sparse_file(tmp_path / "page.html", MAX_HTML_BYTES + 1, b"<html>")
    with pytest.raises(InputError, match="the limit for html files is 5 MB"):
        load_source(page)
    # a PDF may be larger than other files: this one gets past the size check
    big_pdf = sparse_file(tmp_path / "big.pdf", MAX_SOURCE_BYTES + 1, b"%PDF-1.4\n")
    with pytest.raises(InputError, match="truncated"):
        load_source(big_pdf)


# ---------------------------------------------------------------- plain text and bad input


def test_cp1252_text_is_decoded(write):
    path = write("notes.txt", "Café meeting — “bring a friend”", encoding="cp1252")
    (section,) = list(load_source(path).sections())
    assert section.text == "Café meeting — “bring a friend”"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"plain ascii", "plain ascii"),
        ("naïve".encode("utf-8-sig"), "naïve"),
        ("naïve".encode("utf-16"), "naïve"),
        ("naïve £5".encode("latin-1"), "naïve £5"),
        (
            "組合の集会は木曜日の夜七時です。皆さん来てください。".encode("shift_jis"),
            "組合の集会は木曜日の夜七時です。皆さん来てください。",
        ),
        (
            "工会会议在星期四晚上七点举行，请大家都来参加。".encode("gb18030"),
            "工会会议在星期四晚上七点举行，请大家都来参加。",
        ),
        (
            "Réunion du syndicat jeudi à 19 h — venez nombreux, c'est décisif.".encode("cp1252"),
            "Réunion du syndicat jeudi à 19 h — venez nombreux, c'est décisif.",
        ),
    ],
)
def test_decode_text_handles_common_encodings(data, expected):
    assert decode_text(data, "x.txt") == expected


def test_binary_file_named_txt_is_refused(write):
    with pytest.raises(InputError, match="binary"):
        load_source(write("photo.txt", bytes(range(256)) * 4))


def test_zero_byte_file_is_refused(write):
    with pytest.raises(InputError, match="empty"):
        load_source(write("empty.md", b""))


def test_unknown_type_is_refused_with_the_supported_list(write):
    with pytest.raises(InputError, match=r"unsupported file type '\.xlsx'.*\.pdf"):
        load_source(write("sheet.xlsx", b"PK whatever"))


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_source(tmp_path / "nowhere.pdf")
