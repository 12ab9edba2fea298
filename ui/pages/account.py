"""Account: optional. Trainers log in and run workshops; participants join with a code.

Without an account everything belongs to the one person using this machine. When the app
is shared, a trainer creates a workshop and reads out its join code; participants join with
the code and their name, write in the app, and the trainer sees their drafts in Workshop
review. Codes and keys are shown once (only their hashes are stored). A login lasts for this
browser session; a reload asks for it again, and the drafts are all still there.
"""

from __future__ import annotations

import streamlit as st

from coach.errors import CoachError
from coach.settings import client_address
from coach.storage import Login
from ui import components, context, resources, state
from ui.components import esc
from ui.context import AppContext

#: Session values that belong to whoever was using the app before a login or logout.
PER_PERSON = (
    "actor",
    "prefs",
    "draft_id",
    "saved",
    "scored_version_id",
    "llm_history",
    "llm_history_draft",
    "builder_saved",
    "builder_result",
    "review_seen_uploads",
    "review_problems",
    "review_export",
    "recording_saved",
)


def render() -> None:
    ctx = context.load(anonymous_ok=True)
    st.title("Account")
    if state.get("login_token"):
        _signed_in(ctx)
    else:
        if ctx.settings.shared:
            st.caption(
                "This app is shared: join your workshop with the code your trainer reads out, "
                "or sign in as a trainer. Your drafts are yours alone."
            )
        else:
            st.caption(
                "Optional. On your own machine you need no account: everything is yours. "
                "Accounts are for a shared app — trainers running workshops, participants "
                "joining one."
            )
        trainer, participant = st.columns(2, gap="large")
        with trainer:
            _trainer_login(ctx)
        with participant:
            _participant_join(ctx)
    shown = state.get("account_notice")
    if shown:
        st.warning(esc(shown), icon=":material/key:")
        st.button("I have noted it", on_click=state.set, args=("account_notice", None))


def _client() -> str | None:
    return client_address(
        st.context.ip_address,
        st.context.headers.get("X-Forwarded-For"),
        resources.base_settings().trusted_proxies,
    )


def _start(login: Login, notice: str | None = None) -> None:
    state.reset(*PER_PERSON)
    state.set("login_token", login.token)
    state.set("actor", login.actor)
    state.set("account_notice", notice)


def _trainer_login(ctx: AppContext) -> None:
    st.subheader("Trainers")
    with st.form("trainer_login", border=False):
        email = st.text_input("E-mail", key=state.widget("account.email"))
        password = st.text_input("Password", type="password", key=state.widget("account.password"))
        log_in, create = st.columns(2)
        wants_login = log_in.form_submit_button("Log in", type="primary", width="stretch")
        wants_account = create.form_submit_button("Create account", width="stretch")
    if not (wants_login or wants_account):
        return
    try:
        if wants_account:
            ctx.access.create_trainer(email, password)
        login = ctx.access.login(email, password, client=_client())
    except CoachError as exc:
        components.show_error(exc)
        return
    _start(login)
    st.rerun()


def _participant_join(ctx: AppContext) -> None:
    st.subheader("Participants")
    first, back = st.tabs(["Join a workshop", "Come back"])
    with first, st.form("participant_join", border=False):
        code = st.text_input(
            "Join code", placeholder="K7QM-2XHD", key=state.widget("account.join_code")
        )
        name = st.text_input(
            "Your name",
            help="As your trainer and group know you.",
            key=state.widget("account.join_name"),
        )
        joined = st.form_submit_button("Join", type="primary")
    if joined:
        try:
            login = ctx.access.join(code, name, client=_client())
        except CoachError as exc:
            components.show_error(exc)
        else:
            _start(
                login,
                f"Your personal key is {login.participant_key} — write it down. With the join "
                "code and your name it brings you back to your drafts; it is shown only now.",
            )
            st.rerun()
    with back, st.form("participant_rejoin", border=False):
        code = st.text_input("Join code", key=state.widget("account.rejoin_code"))
        name = st.text_input("Your name", key=state.widget("account.rejoin_name"))
        key = st.text_input("Personal key", type="password", key=state.widget("account.rejoin_key"))
        returning = st.form_submit_button("Come back")
    if returning:
        try:
            login = ctx.access.rejoin(code, name, key, client=_client())
        except CoachError as exc:
            components.show_error(exc)
        else:
            _start(login)
            st.rerun()


def _signed_in(ctx: AppContext) -> None:
    actor = ctx.actor
    role = {"trainer": "trainer", "participant": "workshop participant"}.get(actor.role, "")
    st.markdown(f"Signed in as **{esc(actor.name)}** ({role}).")
    if st.button("Log out", icon=":material/logout:"):
        ctx.access.logout(state.get("login_token"))
        state.reset("login_token", "account_notice", *PER_PERSON)
        st.rerun()
    if actor.is_trainer:
        _workshops(ctx)
    else:
        st.caption("Your drafts are shared with your workshop's trainer, and nobody else.")


def _workshops(ctx: AppContext) -> None:
    st.subheader("Your workshops")
    workshops = ctx.access.list_workshops(ctx.actor)
    if workshops:
        st.dataframe(
            [
                {"workshop": w.name, "participants": w.participants, "drafts": w.drafts}
                for w in workshops
            ],
            hide_index=True,
            width="stretch",
        )
        names = {w.id: w.name for w in workshops}
        pick, rotate = st.columns([3, 1], vertical_alignment="bottom")
        chosen = pick.selectbox(
            "Workshop",
            list(names),
            format_func=names.__getitem__,
            key=state.widget("account.workshop_pick"),
        )
        if rotate.button("New join code", help="The old code stops working at once."):
            code = ctx.access.rotate_join_code(ctx.actor, chosen)
            state.set("account_notice", f"New join code for {names[chosen]}: {code}")
            st.rerun()
        st.caption("Their drafts appear in Workshop review under the workshop's name.")
    with st.form("new_workshop", border=False):
        name = st.text_input(
            "New workshop", placeholder="Spring cohort", key=state.widget("account.new_workshop")
        )
        if st.form_submit_button("Create workshop", type="primary"):
            try:
                made = ctx.access.create_workshop(ctx.actor, name)
            except CoachError as exc:
                components.show_error(exc)
            else:
                state.set(
                    "account_notice",
                    f"Join code for {made.workshop.name}: {made.join_code} — read it out or "
                    "write it on the board; it is shown only now (you can make a new one).",
                )
                st.rerun()


if __name__ == "__main__":
    render()
