"""Free loopback ports for the real servers the tests start (Chroma, PostgreSQL, Streamlit)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at this moment.

    Another process can take it before the server binds it, so a server that must start
    tries again on a new port (``pgtemp.TempPostgres`` does).
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
