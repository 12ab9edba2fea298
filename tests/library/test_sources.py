"""Reading real files: what each format yields, and what bad input is told."""

from __future__ import annotations

import pytest

from coach.errors import InputError
from coach.sources import decode_text, load_card, load_source

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


def test_card_front_matter_becomes_metadata(card_dir):
    card = load_card(card_dir / "ask-one-thing.md")
    assert card.kind == "card"
    assert card.title == "Ask for one specific thing"
    assert card.meta["id"] == "ask-one-thing"
    assert card.meta["criteria"] == ["call_to_action", "specificity"]
    assert card.meta["section"] == "The ask"
    assert card.meta["questions"][1] == "Should I give people a list of options?"
    body = "".join(s.text for s in card.sections())
    assert "---" not in body and "End with one ask" in body
    assert "closing line" not in body  # questions are front matter, not the card's text


def test_card_without_criteria_is_refused(write):
    path = write("bad-card.md", "---\nid: bad-card\ntitle: Bad\n---\nBody.\n")
    with pytest.raises(InputError, match="criteria"):
        load_card(path)


def test_card_questions_must_be_a_list_of_strings(write):
    head = "---\nid: q-card\ntitle: Q\ncriteria: [hope]\n"
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


def test_corrupt_docx_is_refused(write):
    with pytest.raises(InputError, match="not a readable .docx"):
        load_source(write("old.docx", b"PK\x03\x04 this zip is broken"))


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
