"""Library: list sources, add one with progress, search it with citations, remove it."""

from __future__ import annotations

from ui_support import assert_ok, by_label, open_page, texts

PAGE = "ui/pages/library.py"
NOTES = b"""# Winter campaign notes

## The ask
Every speaker closes with one ask: sign the heating pledge card before you leave the hall.

## Why now
The landlord's repair budget is set on 12 December, so the pledge count must be ready by then.
"""


def test_built_in_guidance_is_listed(app):
    at = open_page(app, PAGE)
    assert at.expander[0].label.startswith("Built-in guidance: ")
    assert "None yet" in texts(at)


def test_add_search_and_remove_a_source(app):
    at = open_page(app, PAGE)
    at.file_uploader[0].set_value(("winter.md", NOTES, "text/markdown")).run()
    assert_ok(at)
    assert "Winter campaign notes: added" in " ".join(s.value for s in at.success)
    sources = at.dataframe[0].value
    assert list(sources["id"]) == ["winter.md"]
    by_label(at.text_input, "Question").input("heating pledge card").run()
    first = at.expander[1]
    assert "Winter campaign notes" in first.label and "pledge card" in first.text[0].value
    by_label(at.checkbox, "Yes, remove it").check().run()
    by_label(at.button, "Remove").click().run()
    assert_ok(at)
    assert "None yet" in texts(at)


def test_a_pdf_without_text_is_explained(app):
    at = open_page(app, PAGE)
    at.file_uploader[0].set_value(("broken.pdf", b"%PDF-1.4 nothing here", "application/pdf")).run()
    assert_ok(at)
    message = " ".join(e.value for e in at.error)
    assert "broken" in message and "truncated" in message


def test_search_can_be_limited_to_one_criterion(app):
    at = open_page(app, PAGE)
    by_label(at.selectbox, "Only for criterion").select("hope").run()
    by_label(at.text_input, "Question").input("how do I give people a reason to believe").run()
    assert_ok(at)
    assert at.expander[1].label.startswith("[1] ")
    assert any(c.value.startswith("See also: ") for c in at.caption)  # cards list related cards
