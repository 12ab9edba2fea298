"""One wall-clock deadline for a whole LLM call: retries, slow starts and dripping answers included.

httpx's timeouts are per operation: a server that sends one byte every few seconds never trips
a read timeout, and a retry starts the clock again. :class:`DeadlineTransport` sits under the
OpenAI client and checks one deadline, set per call with :func:`deadline`, before each request
and on every piece of body it receives; each socket wait is also capped at the time left. Past
the deadline the transport raises ``httpx.ReadTimeout``, which the client reports as a timeout.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

_until: contextvars.ContextVar[float | None] = contextvars.ContextVar("llm_deadline", default=None)


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Every request made inside the block (in this thread or context) ends by ``seconds``."""
    token = _until.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _until.reset(token)


def time_left() -> float | None:
    until = _until.get()
    return None if until is None else until - time.monotonic()


class DeadlineTransport(httpx.BaseTransport):
    """Wraps another transport; a no-op outside a :func:`deadline` block."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        left = time_left()
        if left is None:
            return self._inner.handle_request(request)
        if left <= 0:
            raise httpx.ConnectTimeout("the call's deadline had passed", request=request)
        timeouts = dict(request.extensions.get("timeout") or {})
        for phase in ("connect", "read", "write", "pool"):
            current = timeouts.get(phase)
            timeouts[phase] = left if current is None else min(current, left)
        request.extensions["timeout"] = timeouts
        response = self._inner.handle_request(request)
        until = time.monotonic() + left
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_DeadlineStream(response.stream, until, request),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, until: float, request: httpx.Request) -> None:
        self._inner = inner
        self._until = until
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._until:
                raise httpx.ReadTimeout("the answer did not finish in time", request=self._request)
            yield chunk

    def close(self) -> None:
        self._inner.close()
