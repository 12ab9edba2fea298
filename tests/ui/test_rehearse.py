"""Rehearse: teleprompter, timer and the offline analysis of a recording."""

from __future__ import annotations

import pytest
from transcription_endpoint import TranscriptionEndpoint
from ui_support import assert_ok, by_label, html_bodies, open_page, texts, wav_bytes

PAGE = "ui/pages/rehearse.py"
#: 3 s of "speech", a 2 s pause, 3 s more: one long pause, 9 s in all.
RECORDING = wav_bytes([(0.5, False), (3, True), (2, False), (3, True), (0.5, False)])


def start_with_example(app):
    at = open_page(app, PAGE)
    assert "Nothing to rehearse yet" in texts(at)
    by_label(at.button, "Rehearse the example draft").click().run()
    assert_ok(at)
    return at


def test_teleprompter_steps_through_paragraphs_at_the_chosen_size(app):
    at = start_with_example(app)
    prompter = html_bodies(at)[0]
    assert 'class="nc-prompter"' in prompter and "font-size:40px" in prompter
    assert "Paragraph 1 of 6" in texts(at)
    by_label(at.button, "Next").click().run()
    assert "Paragraph 2 of 6" in texts(at)
    by_label(at.slider, "Text size").set_value(60).run()
    assert "font-size:60px" in html_bodies(at)[0]
    by_label(at.toggle, "Show the whole text").set_value(True).run()
    assert html_bodies(at)[0].count("<p") == 6


def test_target_and_estimate(app):
    at = start_with_example(app)
    assert by_label(at.number_input, "Target (minutes)").value == 3.0  # a full narrative
    assert "about 2 min" in texts(at) and "under a 3:00 target" in texts(at)


def test_a_recording_is_analysed_offline_and_kept_in_the_history(app, reload):
    at = start_with_example(app)
    at.audio_input[0].set_value(("take.wav", RECORDING, "audio/wav")).run()
    assert_ok(at)
    assert by_label(at.metric, "Length").value == "9 s"
    assert by_label(at.metric, "Long pauses").value == "1"
    assert "Under time" in texts(at)
    at.run()  # the same recording again is not a second rehearsal
    history = at.dataframe[-1].value
    assert len(history) == 1 and history["seconds"].iloc[0] == 9
    pace = by_label(at.metric, "Pace").value  # the history shows the pace just shown
    assert pace == f"{history['words per minute'].iloc[0]:.0f} wpm"
    later = reload(PAGE)
    assert len(later.dataframe[-1].value) == 1


def test_an_unreadable_recording_gets_a_clear_message(app):
    at = start_with_example(app)
    at.audio_input[0].set_value(("take.wav", wav_bytes([(0.4, True)]), "audio/wav")).run()
    assert_ok(at)
    assert "shorter than a second" in " ".join(e.value for e in at.error)


def test_a_timed_run_can_be_saved(app):
    at = start_with_example(app)
    by_label(at.button, "Start").click().run()
    assert by_label(at.button, "Stop")
    by_label(at.button, "Stop").click().run()
    assert_ok(at)
    assert by_label(at.button, "Save run").disabled  # under a second: nothing to save
    by_label(at.button, "Reset").click().run()
    assert "0 s of 3 min 00 s" in at.get("progress")[0].proto.text


def test_a_run_too_fast_to_be_real_is_not_saved(app):
    """25 seconds for the whole example would be over 600 words a minute."""
    at = start_with_example(app)
    at.session_state["timer_elapsed"] = 25.0
    at.run()
    assert_ok(at)
    assert by_label(at.button, "Save run").disabled
    assert "too fast to be a full run through" in texts(at)


def test_each_draft_has_its_own_target_time(app):
    at = start_with_example(app)
    by_label(at.number_input, "Target (minutes)").set_value(5.0).run()
    at.switch_page("ui/pages/write_score.py").run()
    at.text_area[0].input("I stood at the bus stop at 6 am. We decided to act.").run()
    by_label(at.selectbox, "Story type").select("self").run()
    at.switch_page(PAGE).run()
    by_label(at.selectbox, "Draft").select_index(0).run()
    assert by_label(at.number_input, "Target (minutes)").value == 2.0  # a story of self


@pytest.fixture
def transcription_endpoint(monkeypatch):
    """A real local transcription endpoint (tests/support): no speech model runs here, so
    the test sets what it "heard" — the example draft's first paragraph."""
    with TranscriptionEndpoint() as endpoint:
        monkeypatch.setenv("COACH_TRANSCRIPTION_BASE_URL", endpoint.url)
        monkeypatch.setenv("COACH_TRANSCRIPTION_MODEL", "whisper-small")
        yield endpoint


def test_with_a_transcription_endpoint_the_beats_said_are_checked(app, transcription_endpoint):
    at = start_with_example(app)
    first_paragraph = html_bodies(at)[0].split("<p")[1].split(">", 1)[1].split("</p>")[0]
    transcription_endpoint.heard = first_paragraph
    at.audio_input[0].set_value(("take.wav", RECORDING, "audio/wav")).run()
    by_label(at.button, "Transcribe and check the beats").click().run()
    assert_ok(at)
    shown = [t.value for t in at.text]
    assert any(line.startswith("✓") for line in shown)
    assert any(line.startswith("✗ missed") for line in shown)
