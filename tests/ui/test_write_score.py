"""Write & score, driven like a person would: paste, read the scores, edit, come back later."""

from __future__ import annotations

import socket

from ui_support import assert_ok, by_label, html_bodies, open_page, texts

from coach.coaching.examples import EXAMPLE_DRAFT
from coach.scoring.rubric import FIXED_CRITERIA

DRAFT = (
    "Last winter our building's heating failed for three weeks. I knocked on every door on "
    "the fourth floor, and twelve neighbours signed a letter to the landlord. Two weeks later "
    "the boiler was replaced. We believe every family deserves a warm home. The housing board "
    "meets on 3 March: come with us to the meeting at 6 pm and bring one neighbour."
)
# The same story with a vague ask and no date: a draft a trainer would send back with fixes
# (the full DRAFT is one the planner may call ready to tell).
NEEDS_WORK = DRAFT[: DRAFT.index(" The housing board")] + " Please support us."


def metric(at, label: str) -> str:
    return by_label(at.metric, label).value


def test_an_empty_page_teaches_and_the_example_is_one_click_away(app):
    at = open_page(app, "ui/pages/write_score.py")
    assert "Start with one moment" in texts(at)
    by_label(at.button, "Example").click().run()
    assert_ok(at)
    assert at.text_area[0].value == EXAMPLE_DRAFT
    assert metric(at, "Overall").endswith("/100")
    assert int(metric(at, "Words")) > 250
    assert 'class="nc-evidence"' in html_bodies(at)[0]
    assert at.get("vega_lite_chart"), "the scores chart is drawn"


def test_pasted_draft_is_scored_with_evidence_and_cited_coaching(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(NEEDS_WORK).run()
    assert_ok(at)
    assert metric(at, "Words") == str(len(NEEDS_WORK.split()))
    highlighted = html_bodies(at)[0]
    assert highlighted.count('class="nc-evidence"') >= 3
    coaching = at.tabs[0]
    shown = "".join(m.value for m in coaching.markdown)
    assert "Your next fixes" in shown and "Next steps" not in shown  # said once, by the plan
    assert any(e.label == "Every criterion below full marks" for e in coaching.expander)
    assert "The pattern, from" in "".join(c.value for c in coaching.caption)  # an illustration
    downloads = [b.proto.label for b in coaching.get("download_button")]
    assert downloads == [
        "Download this feedback (text)",
        "Download as Word (.docx)",
        "Download as PDF",
    ]
    citations = [e.label for e in coaching.expander if ":material/menu_book:" in e.label]
    assert citations  # cited passages, each in its own expander


def test_one_criterion_at_a_time(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(DRAFT).run()
    picker = by_label(at.selectbox, "Show the evidence for")
    picker.select("call_to_action").run()
    marks = html_bodies(at)[0]
    assert 'title="Call to action (2/2)"' in marks
    assert 'title="Values (' not in marks
    assert "what earned **Call to action** 2/2" in texts(at)
    by_label(at.selectbox, "Show the evidence for").select("hope").run()  # scored 0
    assert "nc-evidence" not in html_bodies(at)[0]
    assert "No sentence earned **Hope** yet" in texts(at)


def test_the_draft_survives_a_reload(app, reload):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_input[0].input("Heating story").run()
    at.text_area[0].input(DRAFT).run()
    assert_ok(at)
    again = reload()
    assert again.text_area[0].value == DRAFT
    assert again.text_input[0].value == "Heating story"
    assert metric(again, "Overall") == metric(at, "Overall")


def test_a_draft_with_nul_characters_is_saved_without_them(app, reload):
    pasted = DRAFT.replace("Last winter", "Last\x00 winter")
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(pasted).run()
    assert_ok(at)
    assert "Saved without the NUL characters" in texts(at)
    assert metric(at, "Overall").endswith("/100")
    assert reload().text_area[0].value == DRAFT


def test_each_edit_is_a_version_and_the_chart_shows_the_change(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(
        "I was worried about the rent. Every month it went up, and nobody in our building "
        "knew what to do about it."
    ).run()
    at.text_area[0].input(DRAFT).run()
    assert_ok(at)
    versions = at.tabs[2]
    assert len(versions.get("vega_lite_chart")) == 2  # overall line + criteria heatmap
    table = versions.dataframe[0].value
    assert list(table["version"]) == [2, 1]
    assert table["overall"][0] > table["overall"][1]
    by_label(at.metric, "Overall")  # the change since the previous version is its delta


def test_restoring_an_old_version_makes_it_the_newest(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input("First try at my story.").run()
    at.text_area[0].input(DRAFT).run()
    by_label(at.selectbox, "Go back to a version").select(1).run()
    by_label(at.button, "Restore as newest").click().run()
    assert_ok(at)
    assert at.text_area[0].value == "First try at my story."
    assert list(at.tabs[2].dataframe[0].value["version"]) == [3, 2, 1]


def test_an_older_version_shows_what_changed_word_by_word(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input("Our heating failed. Come to a meeting <soon>.").run()
    at.text_area[0].input("Our heating failed for three weeks. Come to the board meeting.").run()
    by_label(at.selectbox, "Go back to a version").select(1).run()
    assert_ok(at)
    assert "2 words out, 5 words in" in texts(at)
    diff = next(body for body in html_bodies(at) if 'class="nc-diff"' in body)
    assert "<ins" in diff and "for three weeks" in diff and "<del" in diff
    assert "&lt;soon&gt;" in diff and "<soon>" not in diff  # the draft is escaped


def test_story_type_changes_the_weighting(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(DRAFT).run()
    by_label(at.selectbox, "Story type").select("self").run()
    assert_ok(at)
    assert "weighted as story of self" in texts(at)


def test_switching_between_drafts(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_input[0].input("Heating").run()
    at.text_area[0].input(DRAFT).run()
    by_label(at.button, "New draft").click().run()
    assert at.text_area[0].value == ""
    assert "A new draft" in texts(at)
    at.text_area[0].input("Another story about the bus that never came.").run()
    drafts = [b for b in at.button if b.key and b.key.startswith("editor.draft_pick.")]
    assert len(drafts) == 2
    heating = next(b for b in drafts if b.label.startswith("Heating · v1"))
    heating.click().run()
    assert_ok(at)
    assert at.text_area[0].value == DRAFT
    assert "Editing **Heating** · version 1" in texts(at)


def test_hostile_draft_is_shown_as_text_never_as_markup(app):
    hostile = (
        "<script>window.__pwned=1</script> My story. "
        '<img src=x onerror="window.__pwned=1"> We meet on Friday at 6 pm.'
    )
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(hostile).run()
    assert_ok(at)
    body = html_bodies(at)[0]
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in body


def test_without_an_llm_the_offline_coach_says_so(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(DRAFT).run()
    coach_me = at.tabs[1]
    assert "offline coach is in use" in coach_me.info[0].value


def test_an_unreachable_llm_falls_back_to_the_offline_coach(app, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("COACH_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("COACH_LLM_MODEL", "local")
    monkeypatch.setenv("COACH_LLM_TIMEOUT_S", "3")
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(DRAFT).run()
    at.chat_input[0].set_value("How do I make the ask stronger?").run()
    assert_ok(at)
    warning = " ".join(w.value for w in at.warning)
    assert "The LLM did not answer" in warning and "Cannot reach" in warning
    assert "Your plan (" in " ".join(t.value for t in at.text)  # the offline plan instead


def test_a_draft_can_be_deleted_after_ticking_the_box(app, reload):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(DRAFT).run()
    delete = by_label(at.button, "Delete this draft")
    assert delete.disabled, "nothing is deleted by one stray click"
    at.checkbox(key="editor.delete_confirm").check().run()
    by_label(at.button, "Delete this draft").click().run()
    assert_ok(at)
    assert at.text_area[0].value == ""
    assert "Start with one moment" in texts(at)
    later = reload("ui/pages/write_score.py")
    assert later.text_area[0].value == ""  # gone from the database, not only the page


def test_the_feedback_can_be_downloaded_as_text_beside_the_coaching(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(DRAFT).run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download this feedback (text)" in labels


def test_a_fix_marks_its_sentences_in_the_draft(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input(NEEDS_WORK).run()
    marks = [b for b in at.tabs[0].button if b.label == "Mark its sentences in the draft"]
    assert marks, "this draft's plan has a fix about a criterion"
    marks[0].click().run()
    assert_ok(at)
    picked = at.session_state["editor.criterion"]
    assert picked in FIXED_CRITERIA
    caption = " ".join(c.value for c in at.caption)
    assert "earned" in caption or "No sentence earned" in caption  # one criterion shown


def test_the_getting_ready_caption_goes_once_the_scores_are_shown(app, monkeypatch):
    """On a fresh server the caption says the models are loading; once the draft is scored
    it must not stay above the scores it promised."""
    from ui import resources

    monkeypatch.setitem(resources._WARM, "state", "loading")
    monkeypatch.setitem(resources._WARM, "started", 0.0)
    at = open_page(app, "ui/pages/write_score.py")
    assert "Getting ready" in texts(at)  # nothing typed yet: the caption stays
    at.text_area[0].input(DRAFT).run()
    assert_ok(at)
    assert metric(at, "Overall").endswith("/100")
    assert "Getting ready" not in texts(at)


def test_a_draft_too_short_to_judge_says_so_instead_of_a_score(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input("Save our library.").run()
    assert_ok(at)
    assert metric(at, "Overall") == "not scored"
    assert "Too short to judge: 3 words" in texts(at)
    assert not at.get("vega_lite_chart") and not at.expander  # no empty chart, no list of zeros


def test_a_version_too_short_to_judge_is_left_out_of_the_chart(app):
    at = open_page(app, "ui/pages/write_score.py")
    at.text_area[0].input("I was worried about the rent.").run()
    at.text_area[0].input(DRAFT).run()
    assert_ok(at)
    versions = at.tabs[2]
    assert not versions.get("vega_lite_chart")  # one judged version: nothing to compare yet
    table = versions.dataframe[0].value
    assert list(table["version"]) == [2, 1]
    assert table["overall"][0] > 0 and table["overall"].isna()[1]
