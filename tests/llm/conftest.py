"""Fixtures for the LLM tests: a real llama.cpp server for the plumbing, a queued fake for prompts.

The server (llama-cpp-python serving SmolLM2-135M-Instruct) starts once per session on a free
loopback port and is stopped at the end. Without llama-cpp-python[server] installed the server
tests are skipped with the reason; ``python dev.py test`` installs it.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage

from coach.coaching.llm import ChatLLM
from coach.coaching.llm_coach import LLMCoach
from coach.coaching.prompts import PromptLibrary
from coach.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
#: The session server demands this key, so the tests also prove a key is sent (and never leaked).
SERVER_KEY = "sk-test-9f8e7d6c5b4a-NEVER-SHOW-ME"


def _load_server_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "llm_test_server", ROOT / "scripts" / "llm_test_server.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


llm_test_server = _load_server_script()


class RecordingChatModel(GenericFakeChatModel):
    """Answers with queued replies in order and records each request's messages and options."""

    requests: list[list[BaseMessage]] = []
    kwargs: list[dict[str, Any]] = []

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        self.requests.append(list(messages))
        self.kwargs.append(kwargs)
        return super()._generate(messages, stop, run_manager, **kwargs)


@pytest.fixture
def coach_with() -> Callable[..., tuple[LLMCoach, RecordingChatModel]]:
    """``coach, model = coach_with("reply 1", "reply 2")``: a coach over a queued fake model."""

    def build(*replies: str) -> tuple[LLMCoach, RecordingChatModel]:
        model = RecordingChatModel(
            messages=iter([AIMessage(r) for r in replies]), requests=[], kwargs=[]
        )
        llm = ChatLLM(model, model_name="fake-model")
        return LLMCoach(llm, PromptLibrary(Settings().prompts_dir)), model

    return build


def _skip_without_server() -> None:
    if missing := llm_test_server.missing_modules():
        pytest.skip(
            f"llama-cpp-python[server] is not installed (missing {missing}); "
            "`python dev.py test` installs it"
        )


@pytest.fixture(scope="session")
def server_script() -> Any:
    """The scripts/llm_test_server.py module, for tests that start servers of their own."""
    _skip_without_server()
    return llm_test_server


@pytest.fixture(scope="session")
def llm_server(server_script: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    server = server_script.start(api_key=SERVER_KEY, log_path=log)
    yield server
    server_script.stop(server)


@pytest.fixture
def llm_settings(llm_server: Any, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        llm_base_url=llm_server.url,
        llm_model=llm_test_server.MODEL_ALIAS,
        llm_api_key=SERVER_KEY,
        llm_timeout_s=60,
    )


@pytest.fixture
def quick_prompts(tmp_path: Path) -> PromptLibrary:
    """The shipped templates with answers capped at 40 tokens: the tests check plumbing, and a
    135M model rambles. Everything else in the templates is unchanged."""
    folder = tmp_path / "prompts"
    folder.mkdir()
    for path in Settings().prompts_dir.glob("*.yaml"):
        text = re.sub(r"(?m)^max_tokens: \d+$", "max_tokens: 40", path.read_text())
        (folder / path.name).write_text(text)
    return PromptLibrary(folder)


@pytest.fixture
def sent_requests() -> Iterator[tuple[httpx.Client, list[httpx.Request]]]:
    """An HTTP client that keeps every request it sends, to check what went over the wire."""
    requests: list[httpx.Request] = []
    client = httpx.Client(event_hooks={"request": [requests.append]})
    yield client, requests
    client.close()
