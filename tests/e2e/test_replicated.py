"""A replicated deployment as docs/deploy.md describes it, all real: two ``streamlit run``
replicas in shared mode on one PostgreSQL and one Chroma server, behind Caddy (sticky by
cookie), and headless Chromium browsers that only ever talk to Caddy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from e2e_support import (
    ARTIFACTS,
    DRAFT,
    AppServer,
    expect,
    settle,
    type_draft,
    why_no_browser,
)
from pgtemp import TempPostgres, why_unavailable
from servers import CADDY, CHROMA, CaddyBalancer, ChromaServer, why_missing

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]


SECRET = "replicated-deployment-test-key"
TRAINER, PASSWORD = "tess@example.org", "a long trainer password"


@dataclass
class Deployment:
    url: str
    replicas: dict[str, AppServer]  # by "127.0.0.1:port", as Caddy names its upstreams
    join_code: str


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if reason := why_no_browser() or why_unavailable() or why_missing(CHROMA, CADDY):
        pytest.skip(f"replicated deployment skipped: {reason}")
    root = tmp_path_factory.mktemp("deployment")
    ARTIFACTS.mkdir(exist_ok=True)
    database = TempPostgres(durable=False).start()
    chroma = ChromaServer(root / "chroma")
    url = database.create_database("coach")
    shared = {
        "COACH_SHARED": "1",
        "COACH_DATABASE_URL": url,
        "COACH_CHROMA_URL": chroma.url,
        "COACH_TRUSTED_PROXIES": "1",
        "COACH_SECRET_KEY": SECRET,  # the same on every replica, or codes work on one only
        "STREAMLIT_SERVER_COOKIE_SECRET": "replicated-deployment-test",
    }
    join_code = _trainer_with_a_workshop(url)
    replicas = []
    try:
        for number in (1, 2):
            log = ARTIFACTS / f"replica-{number}.log"
            replicas.append(AppServer(root / f"replica-{number}", log, **shared))
        for replica in replicas:
            replica.wait_healthy(timeout_s=240)
        upstreams = {f"127.0.0.1:{r.port}": r for r in replicas}
        with CaddyBalancer(root / "caddy", list(upstreams)) as caddy:
            yield Deployment(caddy.url, upstreams, join_code)
    finally:
        for replica in replicas:
            replica.stop()
        chroma.stop()
        database.stop()


def _trainer_with_a_workshop(database_url: str) -> str:
    """The operator's first step (docs/deploy.md): a trainer account and a workshop."""
    from coach.settings import Settings
    from coach.storage import Access, Database
    from coach.storage.secret import server_key

    settings = Settings(database_url=database_url, secret_key=SECRET)
    with Database(database_url) as db:
        access = Access(db, code_key=server_key(settings))
        trainer = access.create_trainer(TRAINER, PASSWORD, name="Tess")
        return access.create_workshop(trainer, "Spring cohort").join_code


def _go(page, name: str) -> None:
    page.get_by_role("link", name=name).click()
    expect()(page.get_by_role("heading", name=name)).to_be_visible()


@pytest.fixture
def two_browsers(browser, deployment: Deployment):
    """Two browsers that Caddy dealt to different replicas (a new browser is dealt round-robin;
    a stray request of the first may take the second's turn, so a new one is tried then)."""
    contexts, pages, seen = [], [], []
    for _ in range(6):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(90_000)
        contexts.append(context)
        page = context.new_page()
        upstream = page.goto(deployment.url).headers["x-upstream"]
        if upstream not in seen:
            seen.append(upstream)
            pages.append(page)
        if len(pages) == 2:
            break
    yield pages
    for context in contexts:
        context.close()


def test_a_participant_joins_on_one_replica_and_the_trainer_reads_the_draft_on_the_other(
    deployment: Deployment, two_browsers, shot
):
    participant, trainer = two_browsers
    on_participant = participant.reload().headers["x-upstream"]
    on_trainer = trainer.reload().headers["x-upstream"]
    assert on_participant != on_trainer, "sticky: each browser stays on its replica"

    # A visitor owns nothing until they join.
    expect()(participant.get_by_text("This Narrative Coach is shared")).to_be_visible()
    _go(participant, "Account")
    participant.get_by_label("Join code", exact=True).first.fill(deployment.join_code)
    participant.get_by_label("Your name", exact=True).first.fill("Ana")
    participant.get_by_role("button", name="Join", exact=True).click()
    notice = participant.get_by_text(re.compile(r"Your personal key is [A-Z0-9-]+"))
    expect()(notice).to_be_visible()
    personal_key = re.search(r"key is ([A-Z0-9-]+)", notice.inner_text()).group(1)
    _go(participant, "Write & score")
    participant.get_by_role("button", name="New draft").click()
    type_draft(participant, DRAFT)
    expect()(participant.locator("mark.nc-evidence").first).to_be_visible(timeout=180_000)

    # The trainer signs in through the other replica and finds Ana's draft, scored.
    _go(trainer, "Account")
    trainer.get_by_label("E-mail", exact=True).fill(TRAINER)
    trainer.get_by_label("Password", exact=True).fill(PASSWORD)
    trainer.get_by_role("button", name="Log in").click()
    expect()(trainer.get_by_role("button", name="Log out")).to_be_visible()
    _go(trainer, "Workshop review")
    trainer.get_by_label("Workshop", exact=True).click()
    trainer.get_by_role("option", name="Spring cohort (participants in the app)").click()
    expect()(trainer.get_by_text("Look at one participant")).to_be_visible(timeout=180_000)
    expect()(trainer.locator(".nc-draft").first).to_contain_text(
        "Come with me to the board meeting", timeout=180_000
    )
    shot(trainer, "replicated-trainer")

    # Ana's replica goes away: Caddy moves her to the survivor; she comes back with her key
    # and her draft is there (sessions live in the browser's connection, drafts in PostgreSQL).
    deployment.replicas[on_participant].stop()
    assert participant.reload().headers["x-upstream"] == on_trainer
    _go(participant, "Account")
    settle(participant)  # the survivor may still be drawing the page: a click mid-run is lost
    participant.get_by_role("tab", name="Come back").click()
    expect()(participant.get_by_label("Personal key", exact=True)).to_be_visible()
    participant.get_by_label("Join code", exact=True).last.fill(deployment.join_code)
    participant.get_by_label("Your name", exact=True).last.fill("Ana")
    participant.get_by_label("Personal key", exact=True).fill(personal_key)
    participant.get_by_role("button", name="Come back").click()
    expect()(participant.get_by_role("button", name="Log out")).to_be_visible()
    _go(participant, "Write & score")
    expect()(participant.locator(".nc-draft")).to_contain_text(
        "Come with me to the board meeting", timeout=180_000
    )
    shot(participant, "replicated-participant-after-failover")
