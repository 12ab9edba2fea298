"""Rehearse: a teleprompter, a timer against a target, and offline feedback on a recording.

The recording never leaves the machine: its length, pace and long pauses are measured
from the WAV the browser records (``coach.rehearsal.analysis``). Each analysed recording and each
saved timer run goes into the rehearsal history of the draft.
"""

from __future__ import annotations

import hashlib
import time

import altair as alt
import pandas as pd
import streamlit as st

from coach.coaching.examples import EXAMPLE_DRAFT, EXAMPLE_TITLE
from coach.errors import CoachError
from coach.rehearsal.analysis import analyse_wav
from coach.rehearsal.pacing import StageRun, implausible_run, stage_run
from coach.text.draft import make_draft, spoken
from ui import components, context, state
from ui.components import esc
from ui.context import AppContext


def render() -> None:
    ctx = context.load()
    st.title("Rehearse")
    mine = ctx.workspace.my_drafts()
    if not mine:
        _empty_state(ctx)
        return
    draft_id = _pick_draft(mine)
    try:
        version = ctx.workspace.latest(draft_id)
    except CoachError as exc:
        components.show_error(exc, "open that draft")
        return
    text = version.text
    draft = make_draft(text, speaking_rate_wpm=ctx.settings.speaking_rate_wpm)
    paragraphs = [text[p.start : p.end].strip() for p in draft.paragraphs]
    paragraphs = [p for p in paragraphs if p] or [text]
    default_min = components.TARGET_S.get(version.story_type, 120) / 60
    # One row of controls and one line of numbers: on a phone the words start on screen
    tune, show_all, stage_toggle = st.columns(3, vertical_alignment="center")
    with tune.popover("Text size and target", icon=":material/tune:", width="stretch"):
        font_px = st.slider("Text size", 20, 80, 40, step=2, key=state.widget("rehearse.font_px"))
        target_s = 60 * st.number_input(
            "Target (minutes)",
            0.5,
            20.0,
            default_min,
            step=0.5,
            key=state.widget("rehearse.target_min", str(draft_id)),  # each draft its own
        )
    whole = show_all.toggle("Show the whole text", key=state.widget("rehearse.show_all"))
    on_stage = stage_toggle.toggle(
        "Stage (keyboard, full screen)",
        key=state.widget("rehearse.stage"),
        help="A prompter with a large clock: Space starts and pauses, the arrow keys step "
        "through the paragraphs, F goes full screen.",
    )
    st.caption(
        f"{draft.word_count} words · about {spoken(draft.speaking_time_s)} at your pace of "
        f"{ctx.settings.speaking_rate_wpm} words a minute "
        f"({components.against_target(draft.speaking_time_s, target_s)}). "
        "Change your pace on the Settings page."
    )
    if on_stage:
        seconds = components.stage(paragraphs, font_px, target_s, key=f"stage-{draft_id}")
        if seconds is not None:
            _finished_on_stage(ctx, draft_id, version.id, paragraphs, seconds, target_s)
        if (last := state.get("stage_report")) is not None and last[0] == draft_id:
            _stage_report(last[1])
    else:
        _teleprompter(paragraphs, font_px, whole)
    st.divider()
    timer, record = st.columns(2, gap="large")
    with timer:
        _timer(ctx, draft_id, version.id, draft.word_count, target_s)
    with record:
        _recording(ctx, draft_id, version.id, draft.word_count, target_s, text)
    st.divider()
    _history(ctx, draft_id, target_s)


def _empty_state(ctx: AppContext) -> None:
    with st.container(border=True):
        st.markdown(
            "**Nothing to rehearse yet.** Write a draft or build one from questions, then come "
            "back to read it aloud against a two-minute target and record yourself."
        )
        if st.button("Rehearse the example draft", icon=":material/lightbulb:"):
            version = ctx.workspace.autosave(EXAMPLE_TITLE, EXAMPLE_DRAFT, "narrative", None)
            state.set("draft_id", version.draft_id)
            st.rerun()
        st.page_link("ui/pages/write_score.py", label="Write a draft", icon=":material/edit_note:")
        st.page_link(
            "ui/pages/build.py", label="Build one from questions", icon=":material/construction:"
        )


def _pick_draft(mine) -> int:
    titles = {d.id: d.title for d in mine}
    if state.get("draft_id") not in titles:
        state.set("draft_id", mine[0].id)
    state.seed("rehearse.draft_pick", state.get("draft_id"))
    return st.selectbox(
        "Draft",
        list(titles),
        format_func=titles.__getitem__,
        key=state.widget("rehearse.draft_pick"),
        on_change=_picked,
    )


def _picked() -> None:
    state.set("draft_id", state.widget_value("rehearse.draft_pick"))
    state.set("rehearse_paragraph", 0)
    for name in ("editor.text", "editor.title", "editor.story_type"):
        state.forget_widget(name)  # Write & score opens this draft next time


def _teleprompter(paragraphs: list[str], font_px: int, whole: bool) -> None:
    current = min(state.get("rehearse_paragraph"), len(paragraphs) - 1)
    st.html(components.teleprompter_html(paragraphs, current, font_px, whole))
    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
    back.button(
        "Previous",
        icon=":material/arrow_back:",
        on_click=_step,
        args=(-1, len(paragraphs)),
        disabled=current == 0,
        width="stretch",
    )
    where.markdown(
        f"<div style='text-align:center'>Paragraph {current + 1} of {len(paragraphs)}</div>",
        unsafe_allow_html=True,
    )
    forward.button(
        "Next",
        icon=":material/arrow_forward:",
        on_click=_step,
        args=(1, len(paragraphs)),
        disabled=current >= len(paragraphs) - 1,
        width="stretch",
    )


def _step(by: int, count: int) -> None:
    state.set("rehearse_paragraph", max(0, min(count - 1, state.get("rehearse_paragraph") + by)))


# -- the stage's report -----------------------------------------------------------------


def _finished_on_stage(
    ctx: AppContext,
    draft_id: int,
    version_id: int,
    paragraphs: list[str],
    seconds: list[float],
    target_s: float,
) -> None:
    """A run finished on the stage: report it, and keep it in the history if it was real."""
    try:
        run = stage_run(paragraphs, seconds, target_s)
    except CoachError as exc:
        components.show_error(exc, "report this run")
        return
    state.set("stage_report", (draft_id, run))
    if run.not_saved_because:
        return
    try:
        ctx.workspace.drafts.add_rehearsal(
            ctx.actor,
            draft_id,
            duration_s=run.duration_s,
            words=run.words,
            version_id=version_id,
            paragraphs=[p.to_dict() for p in run.paragraphs] if run.stepped else None,
        )
        st.toast("Run saved to your history.")
    except CoachError as exc:
        components.show_error(exc, "save this run")


def _stage_report(run: StageRun) -> None:
    with st.container(border=True, key="stage-report"):
        st.markdown("**Your last run**")
        length, pace, words = st.columns(3)
        length.metric(
            "Length",
            spoken(run.duration_s),
            delta=components.against_target(run.duration_s, run.target_s),
            delta_color="off",
            delta_arrow="off",
        )
        pace.metric("Pace", f"{run.wpm:.0f} words/min")
        words.metric("Words", run.words)
        st.markdown("\n".join(f"- {esc(v)}" for v in run.verdicts))
        if run.not_saved_because:
            st.caption(run.not_saved_because)
        if run.stepped and len(run.paragraphs) > 1:
            st.table(
                pd.DataFrame(
                    [
                        {
                            "paragraph": str(p.index + 1),
                            "opens with": p.opening,
                            "seconds": f"{p.seconds:.1f}",
                            "words/min": f"{p.wpm:.0f}",
                            "pace": p.note,
                        }
                        for p in run.paragraphs
                    ]
                ),
                hide_index=True,
            )


# -- timer -------------------------------------------------------------------------------


def _elapsed() -> float:
    started = state.get("timer_started")
    running = time.monotonic() - started if started is not None else 0.0
    return state.get("timer_elapsed") + running


def _start_stop() -> None:
    if state.get("timer_started") is None:
        state.set("timer_started", time.monotonic())
    else:
        state.set("timer_elapsed", _elapsed())
        state.set("timer_started", None)


def _reset() -> None:
    state.set("timer_started", None)
    state.set("timer_elapsed", 0.0)


def _timer(ctx: AppContext, draft_id: int, version_id: int, words: int, target_s: float) -> None:
    st.subheader("Timer")
    running = state.get("timer_started") is not None

    @st.fragment(run_every=1 if running else None)
    def clock() -> None:
        elapsed = _elapsed()
        share = min(1.0, elapsed / target_s) if target_s else 0.0
        st.progress(share, text=f"{spoken(elapsed)} of {spoken(target_s)}")
        if elapsed > target_s:
            st.caption(f"Over time by {spoken(elapsed - target_s)}.")

    clock()
    start, reset, save = st.columns(3)
    start.button(
        "Stop" if running else "Start",
        icon=":material/timer:",
        on_click=_start_stop,
        type="primary",
        width="stretch",
    )
    reset.button("Reset", on_click=_reset, width="stretch")
    elapsed = _elapsed()
    why_not = implausible_run(elapsed, words) if not running and elapsed >= 1 else ""
    implausible = bool(why_not)
    if why_not:
        st.caption(why_not)
    if save.button("Save run", disabled=running or elapsed < 1 or implausible, width="stretch"):
        try:
            ctx.workspace.drafts.add_rehearsal(
                ctx.actor, draft_id, duration_s=_elapsed(), words=words, version_id=version_id
            )
            _reset()
            st.toast("Timed run saved to your history.")
        except CoachError as exc:
            components.show_error(exc, "save this run")


# -- recording ---------------------------------------------------------------------------


def _recording(
    ctx: AppContext, draft_id: int, version_id: int, words: int, target_s: float, text: str
) -> None:
    st.subheader("Record yourself")
    recording = st.audio_input(
        "Read the draft aloud, then stop the recording",
        sample_rate=16000,
        key=state.widget("rehearse.recording"),
    )
    if ctx.settings.transcription_configured:
        st.caption(
            "Measured on this machine: length, pace against the draft, long pauses. "
            "Transcribe the recording to check which story beats you said."
        )
    else:
        st.caption(
            "Measured on this machine: length, pace against the draft, long pauses. A check of "
            "which story beats you said needs a transcription endpoint "
            "(COACH_TRANSCRIPTION_MODEL), which is not set up."
        )
    if recording is None:
        return
    data = recording.getvalue()
    try:
        result = analyse_wav(data, words, target_s)
    except CoachError as exc:
        components.show_error(exc, "analyse the recording")
        return
    length, speaking, pace, pauses = st.columns(4)
    length.metric("Length", spoken(result.duration_s))
    speaking.metric("Speaking", spoken(result.speaking_s))
    pace.metric("Pace", f"{result.wpm:.0f} wpm" if result.wpm else "–")
    pauses.metric("Long pauses", len(result.pauses))
    st.markdown("\n".join(f"- {esc(v)}" for v in result.verdicts))
    if result.pauses:
        st.dataframe(
            [{"at": spoken(p.start_s), "pause": f"{p.duration_s:.1f} s"} for p in result.pauses],
            hide_index=True,
        )
    if ctx.settings.transcription_configured and st.button(
        "Transcribe and check the beats", key=state.widget("rehearse.transcribe")
    ):
        _beats(ctx, data, text)
    digest = (draft_id, hashlib.sha256(data).hexdigest())
    if state.get("recording_saved") != digest:
        try:
            ctx.workspace.drafts.add_rehearsal(
                ctx.actor,
                draft_id,
                duration_s=result.duration_s,
                speaking_s=result.speaking_s or None,
                words=words,
                pauses=result.to_dict()["pauses"],
                version_id=version_id,
            )
            state.set("recording_saved", digest)
        except CoachError as exc:
            components.show_error(exc, "save this rehearsal")


def _beats(ctx: AppContext, audio: bytes, text: str) -> None:
    """Which paragraphs of the draft were heard in the recording (needs the endpoint)."""
    from coach.rehearsal.transcription import beat_coverage, transcribe

    try:
        with st.spinner("Transcribing…"):
            transcript = transcribe(audio, ctx.settings)
    except CoachError as exc:
        components.show_error(exc, "transcribe the recording")
        return
    for beat in beat_coverage(text, transcript):
        mark = "✓" if beat.covered else "✗ missed"
        st.text(f"{mark} ({beat.coverage:.0%}) {beat.text[:120]}")
    with st.expander("Transcript"):
        st.text(transcript)


# -- history -----------------------------------------------------------------------------


def _history(ctx: AppContext, draft_id: int, target_s: float) -> None:
    st.subheader("History")
    runs = ctx.workspace.drafts.list_rehearsals(ctx.actor, draft_id)
    if not runs:
        st.caption("Your timed runs and recordings of this draft will appear here.")
        return
    frame = pd.DataFrame(
        [
            {
                "run": i,
                "when": r.created_at.strftime("%Y-%m-%d %H:%M"),
                "seconds": round(r.duration_s),
                "words per minute": r.wpm,
                "long pauses": len(r.pauses),
            }
            for i, r in enumerate(runs, 1)
        ]
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("run:O"), y=alt.Y("seconds:Q", title="seconds"), tooltip=list(frame.columns)
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [target_s]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(y="target:Q")
    )
    chart, table = st.columns([1, 1])
    chart.altair_chart((line + rule).properties(height=200), width="stretch")
    table.dataframe(frame.iloc[::-1], hide_index=True, width="stretch")


if __name__ == "__main__":
    render()
