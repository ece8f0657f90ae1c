"""Which address a request comes from (apps.core.client_address), as lockouts and throttles see it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from apps.core.client_address import client_address

PROXY = "172.18.0.2"


def address(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # Not from a trusted proxy: the header is the client's own word, ignored.
        ("203.0.113.5", "10.0.0.1", "203.0.113.5"),
        # From the proxy: the hop it added, however much the client wrote in front of it.
        (PROXY, "203.0.113.5", "203.0.113.5"),
        (PROXY, "10.0.0.1, 203.0.113.5", "203.0.113.5"),
        # Two trusted proxies in a row: the first address neither of them is.
        (PROXY, "203.0.113.5, 172.20.0.9", "203.0.113.5"),
        (PROXY, "2001:db8::1", "2001:db8::1"),
        # Nothing usable from the proxy: the proxy is the last address known.
        (PROXY, "", PROXY),
        (PROXY, None, PROXY),
        (PROXY, "not-an-address", PROXY),
    ],
)
def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["172.16.0.0/12"]
    assert address(remote, forwarded) == expected


def test_without_trusted_proxies_the_connection_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert address(PROXY, "203.0.113.5") == PROXY
