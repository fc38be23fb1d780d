"""The client's address as the routes see it: X-Forwarded-For only behind trusted proxies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from billing_app.api import client_address


def request(peer: str, forwarded_for: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded_for.encode())] if forwarded_for else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers,
                    "client": (peer, 50000)})


@pytest.fixture
def hops(monkeypatch):
    def set_hops(n: int) -> None:
        monkeypatch.setattr(client_address.rx.config, "get_config",
                            lambda: SimpleNamespace(trusted_proxy_hops=n))
    return set_hops


def test_without_trusted_proxies_a_forwarded_address_is_ignored(hops):
    hops(0)
    assert client_address.client_ip(request("10.0.0.5", "203.0.113.9")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_wrote(hops):
    hops(1)
    # The client wrote 198.51.100.1 itself; the proxy appended the address it saw.
    assert client_address.client_ip(
        request("10.0.0.5", "198.51.100.1, 203.0.113.9")) == "203.0.113.9"


def test_a_shorter_chain_than_the_trusted_proxies_falls_back_to_the_peer(hops):
    hops(2)
    assert client_address.client_ip(request("10.0.0.5", "203.0.113.9")) == "10.0.0.5"
