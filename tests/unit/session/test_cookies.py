"""Reading the session cookies, and when the access token needs renewing."""

from __future__ import annotations

import time

import jwt
import pytest

from billing_app.session import cookies
from billing_app.session.supabase_auth import Session, User
from tests.helpers import app_settings


@pytest.fixture(autouse=True)
def site(monkeypatch):
    """SITE_URL is http:// unless a test says otherwise."""
    def on(site_url: str) -> None:
        settings = app_settings(SITE_URL=site_url)
        monkeypatch.setattr(cookies, "get_settings", lambda: settings)
    on("http://localhost:3000")
    return on


def token(exp: float) -> str:
    return jwt.encode({"sub": "u", "exp": int(exp)}, "k" * 32, algorithm="HS256")


def test_read_finds_both_tokens_among_other_cookies():
    jar = {"theme": "dark", "sb-access-token": "A.B.C", "other": "1", "sb-refresh-token": "r123"}
    assert cookies.read(jar) == ("A.B.C", "r123")


def test_read_treats_missing_and_empty_as_none():
    assert cookies.read({}) == (None, None)
    assert cookies.read({"sb-access-token": "", "sb-refresh-token": ""}) == (None, None)


def test_values_name_each_token():
    session = Session("acc", "ref", 0, User("u", "e@example.com"))
    assert cookies.values(session) == {"sb-access-token": "acc", "sb-refresh-token": "ref"}


def test_needs_refresh():
    assert cookies.needs_refresh(None)
    assert cookies.needs_refresh("not-a-jwt")
    assert cookies.needs_refresh(token(time.time() - 5))
    assert cookies.needs_refresh(token(time.time() + 10))  # within the margin
    assert not cookies.needs_refresh(token(time.time() + 3600))


def test_on_https_only_the_host_prefixed_names_count(site):
    site("https://app.example.com")
    assert cookies.names() == ("__Host-sb-access-token", "__Host-sb-refresh-token")
    # A plain-named cookie could come from a sibling subdomain: it is not this app's session.
    assert cookies.read({"sb-access-token": "tossed", "sb-refresh-token": "tossed"}) == (None, None)
    assert cookies.read({"__Host-sb-access-token": "A.B.C"}) == ("A.B.C", None)


@pytest.mark.parametrize("site_url,backend,expected", [
    ("https://app.example.com", "https://app.example.com", ("__Host-sb-sign-in-nonce", None)),
    ("http://localhost:3000", "http://localhost:8000", ("sb-sign-in-nonce", None)),
    ("https://app.example.com", "https://api.example.com",
     ("__Secure-sb-sign-in-nonce", "example.com")),
    ("https://example.com", "https://api.example.com", ("__Secure-sb-sign-in-nonce", "example.com")),
    ("http://app.test", "http://localhost:8000", ("sb-sign-in-nonce", None)),
    ("http://127.0.0.1:3000", "http://127.0.0.2:8000", ("sb-sign-in-nonce", None)),
    # Hosts that share only a public suffix share no site: no Domain a browser would accept.
    ("https://app.herokuapp.com", "https://api.herokuapp.com", ("__Host-sb-sign-in-nonce", None)),
    ("https://app.example.co.uk", "https://api.other.co.uk", ("__Host-sb-sign-in-nonce", None)),
    ("https://app.example.co.uk", "https://api.example.co.uk",
     ("__Secure-sb-sign-in-nonce", "example.co.uk")),
])
def test_the_nonce_cookie_reaches_the_backend_from_the_page(site, site_url, backend, expected):
    site(site_url)
    nonce = cookies.nonce_cookie(backend)
    assert (nonce.name, nonce.domain) == expected
    written = nonce.for_script("n0nce", 60)
    assert written.startswith(f"{expected[0]}=n0nce; Path=/; Max-Age=60; SameSite=Lax")
    assert ("Secure" in written) == site_url.startswith("https")
