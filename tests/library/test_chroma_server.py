"""The same library against a real Chroma server (``chroma run``), chosen by chroma_url."""

from __future__ import annotations

import pytest
from net import free_port
from servers import CHROMA, ChromaServer, why_missing

from coach.errors import ServiceError
from coach.library.ingest import Ingester
from coach.library.retrieve import Retriever
from coach.library.store import Store
from coach.settings import Settings


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if reason := why_missing(CHROMA):
        pytest.skip(reason)
    with ChromaServer(tmp_path_factory.mktemp("chroma-server")) as server:
        yield server.url


def test_ingest_and_ask_through_a_chroma_server(chroma_url, tmp_path, embedder, card_dir, write):
    data_dir = tmp_path / "unused-local-dir"
    settings = Settings(data_dir=data_dir, corpus_dir=card_dir.parent, chroma_url=chroma_url)
    retriever = Retriever.from_settings(settings, embedder)
    ingester = Ingester(retriever.store, embedder)
    result = ingester.ingest(write("brief.md", "# Brief\n\nThe council votes on 3 June.\n"))
    assert result.status == "added"
    (top, *_) = retriever.search("when is the council vote?", k=2)
    assert (top.source_id, top.locator) == ("brief.md", "Brief")
    (card, *_) = retriever.search("what should I ask people to do?", k=1, builtin=True)
    assert card.source_id == "card:ask-one-thing"
    assert not data_dir.exists()  # nothing was written locally

    # a second client (another replica) sees the same library
    other = Retriever.from_settings(settings, embedder)
    assert {r.source_id for r in other.store.sources() if not r.builtin} == {"brief.md"}
    assert ingester.ingest(
        write("brief.md", "# Brief\n\nThe council votes on 3 June.\n")
    ).status == ("unchanged")


def test_unreachable_server_is_a_service_error(embedder):
    settings = Settings(chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ServiceError, match="cannot reach the Chroma server"):
        Store.open(settings, embedder.model_id, embedder.dimension)


def test_malformed_url_is_a_service_error(embedder):
    with pytest.raises(ServiceError, match="must look like"):
        Store.open(Settings(chroma_url="localhost:8000"), embedder.model_id, embedder.dimension)
