"""A replicated deployment as docs/storage.md describes it, all real: two ``streamlit run``
replicas sharing one PostgreSQL and one Chroma server, behind Caddy (sticky by cookie), and
a headless Chromium that only ever talks to Caddy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from e2e_support import ARTIFACTS, DRAFT, AppServer, expect, new_draft, type_draft, why_no_browser
from pgtemp import TempPostgres, why_unavailable
from servers import CADDY, CHROMA, CaddyBalancer, ChromaServer, why_missing

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]


@dataclass
class Deployment:
    url: str
    replicas: dict[str, AppServer]  # by "127.0.0.1:port", as Caddy names its upstreams


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if reason := why_no_browser() or why_unavailable() or why_missing(CHROMA, CADDY):
        pytest.skip(f"replicated deployment skipped: {reason}")
    root = tmp_path_factory.mktemp("deployment")
    ARTIFACTS.mkdir(exist_ok=True)
    database = TempPostgres(durable=False).start()
    chroma = ChromaServer(root / "chroma")
    shared = {
        "COACH_DATABASE_URL": database.create_database("coach"),
        "COACH_CHROMA_URL": chroma.url,
        # one secret for every replica, so a browser's cookies are good on all of them
        "STREAMLIT_SERVER_COOKIE_SECRET": "replicated-deployment-test",
        "COACH_SECRET_KEY": "replicated-deployment-test-key",
    }
    replicas = []
    try:
        for number in (1, 2):
            log = ARTIFACTS / f"replica-{number}.log"
            replicas.append(AppServer(root / f"replica-{number}", log, **shared))
        for replica in replicas:
            replica.wait_healthy(timeout_s=240)
        upstreams = {f"127.0.0.1:{r.port}": r for r in replicas}
        with CaddyBalancer(root / "caddy", list(upstreams)) as caddy:
            yield Deployment(caddy.url, upstreams)
    finally:
        for replica in replicas:
            replica.stop()
        chroma.stop()
        database.stop()


@pytest.fixture
def two_browsers(browser, deployment: Deployment):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(90_000)
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def test_a_draft_written_on_one_replica_is_there_on_the_other_and_survives_its_loss(
    deployment: Deployment, two_browsers, shot
):
    first, second = two_browsers
    on_first = first.goto(deployment.url).headers["x-upstream"]
    on_second = second.goto(deployment.url).headers["x-upstream"]
    assert on_first != on_second, "Caddy dealt the two browsers to the two replicas"

    new_draft(first, deployment.url)
    type_draft(first, DRAFT)
    expect()(first.locator("mark.nc-evidence").first).to_be_visible(timeout=180_000)

    # The other replica reads the same PostgreSQL: the draft is there, scored, cited.
    assert second.reload().headers["x-upstream"] == on_second
    shown = second.locator(".nc-draft")
    expect()(shown).to_contain_text("Come with me to the board meeting", timeout=180_000)
    expect()(second.locator("mark.nc-evidence").first).to_be_visible()
    shot(second, "replicated-second-replica")

    # The first browser's replica goes away: Caddy moves it to the survivor, work intact.
    deployment.replicas[on_first].stop()
    moved = first.reload()
    assert moved.headers["x-upstream"] == on_second
    expect()(first.locator(".nc-draft")).to_contain_text(
        "Come with me to the board meeting", timeout=180_000
    )
    shot(first, "replicated-after-failover")
