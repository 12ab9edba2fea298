"""Workshop review in a real headless Chromium: clicks in the table, comments that last.

The same behaviours as tests/ui/test_review.py's AppTest versions, but with a real mouse on
the real table. Streamlit's table is a canvas (glide-data-grid): nothing in it can be
clicked by role or text. Its hidden accessible copy (``table[role=grid]``) names the
columns and rows and says which cell is selected, and the canvas is read where a person
looks — the column edges are the thin lines between the cells' backgrounds on one row — so
each click lands in the middle of the cell it means, and the test checks that the grid
selected that cell before it checks what the app did.

Each test starts a workshop of its own (the app server and its data are shared).
"""

from __future__ import annotations

import re

import pytest
from e2e_support import DRAFT, expect

pytestmark = pytest.mark.browser

BILAL = (
    "When I started as a care worker I had fifteen minutes per visit. "
    "I chose to stay with Mr Hale. Join us at the union meeting on Thursday at 6 pm."
)
DRAFTS = {"ana": DRAFT, "bilal": BILAL}  # participant (from the file name) -> their draft
GRID = '[data-testid="stDataFrame"]'

#: The cells of one canvas row as [left, right] pixel spans, left to right: runs of one
#: background colour, split by the grid's one-pixel lines (the row marker comes first).
CELL_SPANS = """(canvas, y) => {
  const data = canvas.getContext('2d').getImageData(0, y, canvas.width, 1).data;
  const colour = (i) => data[4 * i] + ',' + data[4 * i + 1] + ',' + data[4 * i + 2];
  const spans = [];
  let start = 0;
  for (let i = 1; i <= canvas.width; i++) {
    if (i === canvas.width || colour(i) !== colour(start)) {
      if (i - start > 3) spans.push([start, i - 1]);
      start = i;
    }
  }
  return spans;
}"""


def idle(page, timeout_ms: int = 120_000) -> None:
    """Wait until the app has finished its run (a click during a run may land on a widget
    that is about to be drawn again). The run a click starts shows up a moment later."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "!document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(300)


def open_review(page, app_url: str) -> None:
    page.goto(f"{app_url}/review")
    # the first visit loads the scorer on a busy machine
    expect()(page.get_by_role("heading", name="Workshop review")).to_be_visible(timeout=120_000)
    idle(page)


def start_workshop_with_two_drafts(page, app_url: str, name: str) -> None:
    """A new workshop (typed into "Start another workshop") with Ana's and Bilal's drafts."""
    open_review(page, app_url)
    box = page.get_by_role("textbox", name="Start another workshop")
    box.fill(name)
    box.press("Enter")
    expect()(page.get_by_role("combobox", name="Workshop")).to_have_value(name)
    expect()(page.get_by_text("No drafts in this workshop yet")).to_be_visible()
    idle(page)
    files = [
        {"name": f"{who}.txt", "mimeType": "text/plain", "buffer": text.encode()}
        for who, text in DRAFTS.items()
    ]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files)
    expect()(page.get_by_text("2 of 2 participants")).to_be_visible(timeout=120_000)
    # the page has finished: the first participant's report is drawn below the table
    expect()(page.locator(".nc-draft").first).to_be_visible(timeout=120_000)
    idle(page)


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the select box ``label``, as a person does."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    expect()(page.get_by_role("combobox", name=label)).to_have_value(option)
    idle(page)


def participant_box(page):
    return page.get_by_role("combobox", name="Look at one participant")


class Table:
    """The review table: who is on which row, which column is which, where each cell is."""

    def __init__(self, page):
        self.page = page
        self.grid = page.locator(GRID).first
        self.canvas = self.grid.locator('canvas[data-testid="data-grid-canvas"]').first
        expect()(self.canvas).to_be_visible()
        names = self.grid.locator('table[role="grid"] td[id^="glide-cell-1-"]')
        expect()(names).to_have_count(len(DRAFTS))
        self.rows = names.evaluate_all("cells => cells.map(c => c.textContent)")
        headers = self.grid.locator('table[role="grid"] th[role="columnheader"]')
        self.columns = {  # header text -> column index (0 is the row marker, 1 the name)
            text.strip(): int(index)
            for text, index in headers.evaluate_all(
                "hs => hs.map(h => [h.textContent, h.getAttribute('aria-colindex')])"
            )
        }
        box = self.canvas.bounding_box()
        self.left, self.top = box["x"], box["y"]
        # the header is one row high; the whole table is shown (two rows, no scrolling)
        self.row_height = box["height"] / (len(self.rows) + 1)
        assert 20 <= self.row_height <= 60, f"unexpected row height {self.row_height}"
        self.scale = self.canvas.evaluate("c => c.width / c.getBoundingClientRect().width")
        y = round((self.row_height + 4) * self.scale)  # the first row, above its text
        self.spans = self.canvas.evaluate(CELL_SPANS, y)

    def column(self, header: str) -> int:
        found = [i for text, i in self.columns.items() if header.startswith(text)]
        assert found, f"no column {header!r} among {list(self.columns)}"
        return found[0]

    def click(self, row: int, column: int) -> None:
        """Click the middle of a cell (``column`` 0: the row's checkbox)."""
        assert column < len(self.spans), f"column {column} is not in view: {self.spans}"
        left, right = self.spans[column]
        x = self.left + (left + right) / 2 / self.scale
        y = self.top + self.row_height * (row + 1.5)
        self.page.mouse.click(x, y)

    def expect_selected(self, row: int, column: int | None = None) -> None:
        """The grid's own record of what the click selected: the row, or that one cell."""
        if column is None:
            target = self.grid.locator(f'table[role="grid"] tr[aria-rowindex="{row + 2}"]')
        else:
            target = self.grid.locator(f"#glide-cell-{column}-{row}")
        expect()(target).to_have_attribute("aria-selected", "true", timeout=10_000)


def test_clicking_a_participants_row_opens_that_participant(page, app_url, shot):
    start_workshop_with_two_drafts(page, app_url, "Row click")
    table = Table(page)
    first, second = table.rows
    expect()(participant_box(page)).to_have_value(first)  # the first row is open to begin with

    table.click(1, 0)  # the second row's checkbox: the row, not one of its cells
    table.expect_selected(1)

    expect()(participant_box(page)).to_have_value(second, timeout=90_000)
    report = page.get_by_role("tabpanel", name="Report & coaching")
    expect()(report.locator(".nc-draft")).to_contain_text(DRAFTS[second], timeout=90_000)
    shot(page, "review-row-click")


def test_clicking_a_score_opens_that_participant_with_its_sentences_marked(page, app_url, shot):
    start_workshop_with_two_drafts(page, app_url, "Score click")
    table = Table(page)
    row = table.rows.index("bilal")  # full marks for his ask: it has sentences to mark
    column = table.column("Action")  # the column header is the short name of "Call to action"

    table.click(row, column)
    table.expect_selected(row, column)

    expect()(participant_box(page)).to_have_value("bilal", timeout=90_000)
    evidence_for = page.get_by_role("combobox", name="Show the evidence for")
    expect()(evidence_for).to_have_value(re.compile(r"^Call to action · \d/\d$"))
    draft = page.locator(".nc-draft")
    expect()(draft).to_contain_text("Mr Hale")
    marks = draft.locator("mark.nc-evidence")
    expect()(marks.first).to_be_visible()
    expect()(marks.first).to_have_attribute("title", re.compile(r"^Call to action \("))
    ask = marks.filter(has_text="Join us at the union meeting")  # the sentence with the ask
    expect()(ask.first).to_be_visible()
    titles = {m.get_attribute("title") for m in marks.all()}
    assert all(t.startswith("Call to action (") for t in titles), titles  # no other criterion
    shot(page, "review-score-click")


def test_a_comment_on_one_sentence_stays_on_its_tab_and_survives_a_reload(page, app_url, shot):
    sentence, body = "I chose to stay with Mr Hale.", "Say which night this was."
    start_workshop_with_two_drafts(page, app_url, "Comments")
    pick(page, "Look at one participant", "bilal")
    comments_tab = page.get_by_role("tab", name="Comments")
    comments_tab.click()
    idle(page)
    comments = page.get_by_role("tabpanel", name="Comments")
    expect()(comments.get_by_text("0 comments on bilal's draft")).to_be_visible(timeout=90_000)

    pick(page, "About", f"“{sentence}”")
    page.get_by_role("textbox", name="Your comment").fill(body)
    page.get_by_role("button", name="Add comment").click()

    # saved and shown where the trainer is: the page reran and stayed on the Comments tab
    expect()(comments.get_by_text("1 comment on bilal's draft")).to_be_visible(timeout=90_000)
    expect()(comments.locator('[data-testid="stText"]', has_text=body)).to_be_visible()
    expect()(comments.get_by_text(f"On “{sentence}”")).to_be_visible()
    expect()(comments_tab).to_have_attribute("aria-selected", "true")
    expect()(page.get_by_role("tab", name="Report & coaching")).to_have_attribute(
        "aria-selected", "false"
    )
    expect()(page.get_by_role("textbox", name="Your comment")).to_have_value("")  # ready again
    shot(page, "review-comment-added")

    page.reload()  # a new session: back to the workshop and the participant by hand
    expect()(page.get_by_role("heading", name="Workshop review")).to_be_visible(timeout=120_000)
    idle(page)
    pick(page, "Workshop", "Comments")
    expect()(page.get_by_text("2 of 2 participants")).to_be_visible(timeout=120_000)
    pick(page, "Look at one participant", "bilal")
    page.get_by_role("tab", name="Comments").click()
    idle(page)
    comments = page.get_by_role("tabpanel", name="Comments")
    expect()(comments.get_by_text("1 comment on bilal's draft")).to_be_visible(timeout=90_000)
    expect()(comments.get_by_text(f"On “{sentence}”")).to_be_visible()
    expect()(comments.locator('[data-testid="stText"]', has_text=body)).to_be_visible()
    shot(page, "review-comment-after-reload")
