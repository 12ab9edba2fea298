"""The chat adapter's own rules: length caps per server kind, safe URLs, failures as messages."""

from __future__ import annotations

import socket

import pytest

from coach.coaching.llm import ChatLLM, display_url, is_openai_host
from coach.coaching.prompts import ChatMessage
from coach.errors import ServiceError
from coach.settings import Settings

HELLO = [ChatMessage("user", "hello")]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("url", "openai"),
    [
        ("https://api.openai.com/v1", True),
        ("https://my-team.openai.azure.com/openai/v1/", True),
        ("http://localhost:11434/v1", False),
        ("http://127.0.0.1:8080/v1", False),
        ("https://openai.com.example.org/v1", False),
    ],
)
def test_only_openai_and_azure_get_the_new_length_field(url: str, openai: bool) -> None:
    assert is_openai_host(url) is openai


def test_the_length_cap_uses_the_field_the_server_reads(coach_with) -> None:
    _, model = coach_with("a", "b")
    ChatLLM(model, model_name="m").complete(HELLO, max_tokens=5)
    ChatLLM(model, model_name="m", classic_max_tokens=True).complete(HELLO, max_tokens=5)
    assert model.kwargs == [{"max_tokens": 5}, {"extra_body": {"max_tokens": 5}}]


def test_display_url_drops_credentials() -> None:
    assert display_url("https://bob:s3cret@llm.example.org:8443/v1") == (
        "https://llm.example.org:8443/v1"
    )
    assert display_url("http://localhost:11434/v1") == "http://localhost:11434/v1"


def test_credentials_in_the_url_never_reach_the_message(tmp_path) -> None:
    url = f"http://bob:s3cret@127.0.0.1:{closed_port()}/v1"
    settings = Settings(data_dir=tmp_path, llm_base_url=url, llm_model="m", llm_timeout_s=2)
    with pytest.raises(ServiceError) as caught:
        ChatLLM.from_settings(settings).complete(HELLO)
    assert "Cannot reach the LLM at http://127.0.0.1:" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_no_llm_configured_is_a_service_error_saying_what_to_set() -> None:
    with pytest.raises(ServiceError, match="COACH_LLM_BASE_URL and COACH_LLM_MODEL"):
        ChatLLM.from_settings(Settings(llm_base_url="", llm_model=""))
