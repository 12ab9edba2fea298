"""Which address a rate limit counts: the peer, or what a trusted proxy saw."""

from __future__ import annotations

import pytest

from coach.settings import client_address


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.9", None, 0, "203.0.113.9"),  # straight to the app
        ("127.0.0.1", "198.51.100.7", 0, "127.0.0.1"),  # no proxy trusted: header ignored
        ("127.0.0.1", "198.51.100.7", 1, "198.51.100.7"),  # nginx on the same host
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", 1, "198.51.100.7"),  # a forged left entry
        ("10.0.0.2", "198.51.100.7, 10.0.0.1", 2, "198.51.100.7"),  # two proxies
        ("127.0.0.1", "", 1, "127.0.0.1"),
        (None, None, 0, None),
    ],
)
def test_the_client_behind_trusted_proxies(peer, forwarded, proxies, expected) -> None:
    assert client_address(peer, forwarded, proxies) == expected
