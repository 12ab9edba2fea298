"""A small adapter over any OpenAI-compatible chat endpoint, through LangChain's ChatOpenAI.

Works the same against OpenAI, Azure OpenAI (v1 API), Ollama, vLLM and a llama.cpp server: only
``COACH_LLM_BASE_URL``, ``COACH_LLM_MODEL`` and (if the server wants one) ``COACH_LLM_API_KEY``
change. Every failure — refused connection, timeout, HTTP error, a server dying mid-stream — comes
out as one :class:`~coach.errors.ServiceError` whose message says what happened and never contains
the API key, so callers can fall back to the rule-based coach and show the reason.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import openai
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from coach.coaching.deadline import DeadlineTransport, deadline
from coach.coaching.prompts import ChatMessage
from coach.errors import ServiceError
from coach.settings import Settings

log = logging.getLogger(__name__)

#: Sent when the endpoint needs no key (Ollama, vLLM, llama.cpp); the client library insists on one.
PLACEHOLDER_API_KEY = "not-needed"
MAX_RETRIES = 1
CHECK_TIMEOUT_S = 5.0

#: What a request can fail with: the client's errors, transport errors met while streaming,
#: sockets, and an unreadable answer (LangChain raises ValueError when a 200 response carries
#: an "error" object instead).
_FAILURES = (openai.OpenAIError, httpx.HTTPError, OSError, ValueError)
_MESSAGE_TYPES = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


@dataclass(frozen=True)
class ConnectionCheck:
    """What the settings page shows after "Test connection"."""

    base_url: str
    model: str
    models: tuple[str, ...]  # as listed by the server; empty if it has no /models route
    model_listed: bool | None  # None when the server could not list its models
    latency_s: float

    @property
    def message(self) -> str:
        where = f"Connected to {self.base_url} in {self.latency_s:.1f} s"
        if self.model_listed is None:
            return f"{where}; model {self.model!r} answered a one-token test."
        if self.model_listed:
            return f"{where}; model {self.model!r} is available."
        shown = ", ".join(self.models[:10]) or "none"
        return f"{where}, but it does not list model {self.model!r} (it lists: {shown})."


class ChatLLM:
    """Send chat messages to one model and get text back, whole or streamed."""

    def __init__(
        self,
        model: BaseChatModel,
        *,
        model_name: str,
        base_url: str = "",
        client: openai.OpenAI | None = None,
        secrets: Sequence[str] = (),
        classic_max_tokens: bool = False,
        deadline_s: float | None = None,
    ) -> None:
        self._model = model
        self._deadline_s = deadline_s
        self._classic_max_tokens = classic_max_tokens
        self.model_name = model_name
        self.base_url = display_url(base_url)
        self._client = client
        self._secrets = tuple(s for s in secrets if s)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, timeout_s: float | None = None, http_client: Any = None
    ) -> ChatLLM:
        """Build the adapter from Settings; raises ServiceError when no LLM is configured.

        ``http_client`` (an httpx client) is for proxies, custom certificates, or a test that
        wants to see the exact request sent; give it a :class:`DeadlineTransport` to keep the
        deadline. ``COACH_LLM_TIMEOUT_S`` bounds each call as a whole, retries included.
        """
        from langchain_openai import ChatOpenAI  # imported here: its import cost only when used

        if not settings.llm_configured:
            raise ServiceError(
                "No LLM is configured: set COACH_LLM_BASE_URL and COACH_LLM_MODEL "
                "(or fill them in on the settings page). The rule-based coach works without one."
            )
        key = settings.llm_api_key.get_secret_value()
        budget = timeout_s if timeout_s is not None else settings.llm_timeout_s
        if http_client is None:
            http_client = httpx.Client(transport=DeadlineTransport())
        chat = ChatOpenAI(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=key or PLACEHOLDER_API_KEY,
            timeout=budget,
            max_retries=MAX_RETRIES,
            http_client=http_client,
        )
        return cls(
            chat,
            model_name=settings.llm_model,
            base_url=settings.llm_base_url,
            client=chat.root_client,
            secrets=(key,),
            classic_max_tokens=not is_openai_host(settings.llm_base_url),
            deadline_s=budget,
        )

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None) -> str:
        """The whole answer as one string."""
        try:
            with deadline(self._deadline_s):
                reply = self._model.invoke(_to_langchain(messages), **self._limits(max_tokens))
            text = _content_text(reply.content)
        except _FAILURES as exc:
            error = self._service_error(exc)
        else:
            return self._non_empty(text)
        raise error  # raised outside `except` so no chained exception carries the request along

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None
    ) -> Iterator[str]:
        """Yield text chunks as the server sends them; a failure mid-way raises ServiceError."""
        received = False
        chunks = iter(self._model.stream(_to_langchain(messages), **self._limits(max_tokens)))
        try:
            # The request (and any retry) is made on the first step; from then on the answer's
            # body carries the same deadline (DeadlineTransport).
            with deadline(self._deadline_s):
                first = next(chunks, None)
            for chunk in itertools.chain(() if first is None else (first,), chunks):
                text = _content_text(chunk.content)
                if text:
                    received = True
                    yield text
        except _FAILURES as exc:
            error = self._service_error(exc, midway=received)
        else:
            if not received:
                self._non_empty("")
            return
        raise error

    def check_connection(self, timeout_s: float = CHECK_TIMEOUT_S) -> ConnectionCheck:
        """List the server's models (or send a one-token request) with a short timeout."""
        started = time.monotonic()
        models: tuple[str, ...] = ()
        listed: bool | None = None
        try:
            with deadline(timeout_s):
                models, listed = self._probe(timeout_s)
        except _FAILURES as exc:
            error = self._service_error(exc)
        else:
            elapsed = time.monotonic() - started
            return ConnectionCheck(self.base_url, self.model_name, models, listed, elapsed)
        raise error

    def _probe(self, timeout_s: float) -> tuple[tuple[str, ...], bool | None]:
        """The server's model list and whether ours is on it (None: no /models route)."""
        if self._client is None:
            self._model.invoke([HumanMessage("ping")], max_tokens=1)
            return (), None
        client = self._client.with_options(timeout=timeout_s, max_retries=0)
        try:
            models = tuple(sorted(m.id for m in client.models.list()))
        except openai.NotFoundError:  # some gateways have no /models route
            client.chat.completions.create(
                model=self.model_name,
                messages=[{"role": "user", "content": "ping"}],
                max_tokens=1,
            )
            return (), None
        return models, self.model_name in models

    def _limits(self, max_tokens: int | None) -> dict[str, Any]:
        """How to cap the answer's length for this server.

        ChatOpenAI sends OpenAI's current field, ``max_completion_tokens``; llama-cpp-python and
        other servers read only the classic ``max_tokens`` and would ignore the cap.
        """
        if not max_tokens:
            return {}
        if self._classic_max_tokens:
            return {"extra_body": {"max_tokens": max_tokens}}
        return {"max_tokens": max_tokens}

    def _non_empty(self, text: str) -> str:
        if not text.strip():
            raise ServiceError(f"The LLM at {self.base_url} returned an empty answer.")
        return text

    def _service_error(self, exc: BaseException, *, midway: bool = False) -> ServiceError:
        message = self._redact(describe_failure(exc, self.base_url, self.model_name))
        if midway:
            message = f"The LLM stopped mid-answer. {message}"
        log.warning("LLM request failed: %s", message)
        return ServiceError(message)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def describe_failure(exc: BaseException, base_url: str, model: str) -> str:
    """A sentence a person can act on; built from the failure's kind, not its repr."""
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
        return (
            f"The LLM at {base_url} did not finish in time (COACH_LLM_TIMEOUT_S); try again later."
        )
    if isinstance(exc, httpx.HTTPError):
        return f"The connection to the LLM at {base_url} failed ({type(exc).__name__})."
    if isinstance(exc, openai.APIConnectionError):
        return f"Cannot reach the LLM at {base_url}: is the server running and the URL right?"
    if isinstance(exc, openai.AuthenticationError):
        return f"The LLM at {base_url} refused the API key (HTTP 401). Check COACH_LLM_API_KEY."
    if isinstance(exc, openai.PermissionDeniedError):
        return f"The LLM at {base_url} denied access (HTTP 403)."
    if isinstance(exc, openai.NotFoundError):
        return (
            f"The LLM at {base_url} answered 404 for model {model!r}: "
            f"check COACH_LLM_MODEL and that the URL ends with the API root (often /v1). "
            f"{_server_says(exc)}"
        ).strip()
    if isinstance(exc, openai.RateLimitError):
        return f"The LLM at {base_url} is rate-limiting requests (HTTP 429); try again later."
    if isinstance(exc, openai.APIStatusError):
        return f"The LLM at {base_url} answered HTTP {exc.status_code}. {_server_says(exc)}".strip()
    if isinstance(exc, openai.APIError):
        return f"The LLM at {base_url} sent an unusable answer. {_server_says(exc)}".strip()
    if isinstance(exc, ValueError):
        return f"The LLM at {base_url} sent an answer that could not be read."
    return f"The LLM at {base_url} failed: {type(exc).__name__}."


def is_openai_host(url: str) -> bool:
    """OpenAI's own API or Azure OpenAI, which understand ``max_completion_tokens``."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "api.openai.com" or host.endswith((".openai.azure.com", ".openai.com"))


def display_url(url: str) -> str:
    """The URL without any user:password part, safe to show and log."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _server_says(exc: openai.APIError, limit: int = 300) -> str:
    body: Any = exc.body
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict):
            detail = detail.get("message") or detail.get("detail") or ""
        text = str(detail)
    else:
        text = str(exc.message or "")
    text = " ".join(text.split())[:limit]
    return f"Server says: {text}" if text else ""


def _to_langchain(messages: Sequence[ChatMessage]) -> list[BaseMessage]:
    return [_MESSAGE_TYPES[m.role](content=m.content) for m in messages]


def _content_text(content: Any) -> str:
    """Message content is a string, or (for some providers) a list of typed parts."""
    if isinstance(content, str):
        return content
    parts = (p.get("text", "") if isinstance(p, dict) else str(p) for p in content or ())
    return "".join(parts)
