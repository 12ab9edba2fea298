"""Workshop review: upload many drafts, read the table, look at one person, compare, export."""

from __future__ import annotations

from ui_support import assert_ok, by_label, open_page, texts

PAGE = "ui/pages/review.py"
ANA = (
    b"Last March the 22 bus stopped at 7 pm. I started a petition and forty riders signed. "
    b"We believe everyone deserves a safe way home. Sign it at the library on Saturday at 10 am."
)
BILAL = (
    b"When I started as a care worker I had fifteen minutes per visit. I chose to stay. "
    b"Join us at the union meeting on Thursday at 6 pm."
)


def table(at):
    return by_label_frame(at, "participant")


def by_label_frame(at, column: str):
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, "no table with a participant column"
    return frames[0]


def upload(at, *files):
    at.file_uploader[0].set_value(list(files)).run()
    assert_ok(at)
    return at


def test_empty_workshop_teaches_and_the_example_fills_it(app):
    at = open_page(app, PAGE)
    assert "No drafts in this workshop yet" in texts(at)
    by_label(at.button, "Try it with three example drafts").click().run()
    assert_ok(at)
    frame = table(at)
    assert sorted(frame["participant"]) == ["Ana", "Bilal"]
    assert frame.set_index("participant").loc["Ana", "versions"] == 2


def test_two_uploaded_files_make_a_heatmap_table(app):
    at = open_page(app, PAGE)
    upload(at, ("ana.txt", ANA, "text/plain"), ("bilal.md", BILAL, "text/markdown"))
    frame = table(at)
    assert sorted(frame["participant"]) == ["ana", "bilal"]
    assert {"overall", "challenge", "call_to_action"} <= set(frame.columns)
    assert "2 of 2 participants" in texts(at)


def test_a_csv_gives_one_row_per_participant(app):
    at = open_page(app, PAGE)
    csv = b'name,text\nRosa,"' + ANA + b'"\nTom,"' + BILAL + b'"\n'
    upload(at, ("workshop.csv", csv, "text/csv"))
    assert sorted(table(at)["participant"]) == ["Rosa", "Tom"]


def test_unreadable_files_are_named_and_the_rest_go_in(app):
    at = open_page(app, PAGE)
    upload(at, ("scan.pdf", b"not really a pdf", "application/pdf"), ("ana.txt", ANA, "text/plain"))
    assert "scan: " in " ".join(w.value for w in at.warning)
    assert list(table(at)["participant"]) == ["ana"]


def test_filter_and_sort(app):
    at = open_page(app, PAGE)
    upload(at, ("ana.txt", ANA, "text/plain"), ("bilal.txt", BILAL, "text/plain"))
    by_label(at.text_input, "Find a participant").input("bil").run()
    assert list(table(at)["participant"]) == ["bilal"]
    by_label(at.text_input, "Find a participant").input("").run()
    by_label(at.selectbox, "Sort by").select("participant").run()
    assert list(table(at)["participant"]) == ["ana", "bilal"]


def test_drill_into_one_participant_and_comment(app, reload):
    at = open_page(app, PAGE)
    upload(at, ("ana.txt", ANA, "text/plain"), ("bilal.txt", BILAL, "text/plain"))
    by_label(at.selectbox, "Look at one participant").select("bilal").run()
    report_tab = at.tabs[0]
    assert by_label(report_tab.metric, "Overall").value.endswith("/100")
    assert report_tab.info[0].value.startswith("Overall")  # the trainer summary
    plan = [m.value for m in report_tab.markdown] + [s.value for s in report_tab.success]
    assert any(v.startswith(("**Your next fixes**", "Ready to tell")) for v in plan)  # the plan
    at.session_state["review.tab"] = "Comments"  # the trainer is on the Comments tab
    at.run()
    by_label(at.text_area, "Your comment").input("Say what you asked Mr Hale.").run()
    by_label(at.button, "Add comment").click().run()
    assert_ok(at)
    assert at.text_area[-1].value == ""
    assert at.session_state["review.tab"] == "Comments"  # still there after the rerun
    assert "1 comment on bilal's draft" in [c.value for c in at.tabs[2].caption]
    later = reload(PAGE)
    by_label(later.selectbox, "Look at one participant").select("bilal").run()
    assert "Say what you asked Mr Hale." in [t.value for t in later.tabs[2].text]


def test_compare_two_versions_side_by_side(app):
    at = open_page(app, PAGE)
    by_label(at.button, "Try it with three example drafts").click().run()
    by_label(at.selectbox, "Look at one participant").select("Ana").run()
    compare = at.tabs[1]
    deltas = compare.dataframe[0].value
    assert list(deltas.columns) == ["criterion", "v1", "v2", "change"]
    assert deltas["change"].sum() > 0  # the revision is better
    assert int(by_label(compare.metric, "Overall").delta) > 0
    drafts = [h for h in compare.get("html") if 'class="nc-draft"' in h.proto.body]
    assert len(drafts) == 2  # both texts, highlighted (each with its colour legend)


def test_exports_are_offered(app):
    at = open_page(app, PAGE)
    by_label(at.button, "Try it with three example drafts").click().run()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["CSV (one row per participant)"]
    by_label(at.button, "Prepare JSON and printable report").click().run()
    assert_ok(at)
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "CSV (one row per participant)",
        "JSON (reports and coaching)",
        "Printable report (HTML)",
    ]
    by_label(at.text_area, "Your comment").input("A new note.").run()
    by_label(at.button, "Add comment").click().run()
    assert [b.label for b in at.get("download_button")] == ["CSV (one row per participant)"]


def test_an_uploaded_workshop_can_be_deleted_after_a_confirmation(app, reload):
    at = open_page(app, PAGE)
    by_label(at.text_input, "Start another workshop").input("Spring").run()
    upload(at, ("ana_v1.txt", ANA, "text/plain"))
    assert sorted(table(at)["participant"]) == ["ana"]
    delete = by_label(at.button, "Delete workshop")
    assert delete.disabled  # nothing goes without the tick
    by_label(at.checkbox, "Yes, delete it").check().run()
    by_label(at.button, "Delete workshop").click().run()
    assert_ok(at)
    # back on the default workshop, which stays empty: the uploaded file is not re-imported
    assert "No drafts in this workshop yet" in texts(at)
    later = reload(PAGE)
    assert "No drafts in this workshop yet" in texts(later)
    assert "Spring" not in [o for s in later.selectbox for o in s.options]


def test_clicking_a_row_opens_that_participant(app):
    at = open_page(app, PAGE)
    upload(at, ("ana.txt", ANA, "text/plain"), ("bilal.txt", BILAL, "text/plain"))
    names = list(at.dataframe[0].value["participant"])
    chosen = names[1]
    at.session_state["review.table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert_ok(at)
    assert by_label(at.selectbox, "Look at one participant").value == chosen
    other = names[0]
    by_label(at.selectbox, "Look at one participant").select(other).run()  # and may move on
    assert by_label(at.selectbox, "Look at one participant").value == other


def test_a_comment_can_be_about_one_sentence(app, reload):
    at = open_page(app, PAGE)
    upload(at, ("ana.txt", ANA, "text/plain"), ("bilal.txt", BILAL, "text/plain"))
    by_label(at.selectbox, "Look at one participant").select("bilal").run()
    at.session_state["review.tab"] = "Comments"
    at.run()
    sentence = by_label(at.selectbox, "About").options[1].strip("“”…")  # the first one
    at.session_state["review.comment_on"] = sentence
    at.run()
    by_label(at.text_area, "Your comment").input("Say which night this was.").run()
    by_label(at.button, "Add comment").click().run()
    assert_ok(at)
    later = reload(PAGE)
    by_label(later.selectbox, "Look at one participant").select("bilal").run()
    captions = [c.value for c in later.tabs[2].caption]
    assert any(c.startswith("On “") and c[4:14] in sentence for c in captions), captions


def test_clicking_a_score_opens_that_participant_at_that_criterion(app):
    at = open_page(app, PAGE)
    upload(at, ("ana.txt", ANA, "text/plain"), ("bilal.txt", BILAL, "text/plain"))
    names = list(at.dataframe[0].value["participant"])
    at.session_state["review.table"] = {
        "selection": {"rows": [], "columns": [], "cells": [[1, "call_to_action"]]}
    }
    at.run()
    assert_ok(at)
    assert by_label(at.selectbox, "Look at one participant").value == names[1]
    assert at.session_state["review.criterion"] == "call_to_action"  # its sentences marked
