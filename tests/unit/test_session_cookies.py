"""Reading and renewing the session cookies."""

from __future__ import annotations

import time

import jwt
from starlette.responses import Response

from billing_app import session_cookies
from billing_app.auth import Session, User


def token(exp: float) -> str:
    return jwt.encode({"sub": "u", "exp": int(exp)}, "k" * 32, algorithm="HS256")


def test_read_finds_both_tokens_among_other_cookies():
    header = "theme=dark; sb-access-token=A.B.C; other=1; sb-refresh-token=r123"
    assert session_cookies.read(header) == ("A.B.C", "r123")


def test_read_tolerates_garbage():
    assert session_cookies.read(None) == (None, None)
    assert session_cookies.read(';;; =; sb-access-token=; "\x00') == (None, None)


def test_needs_refresh():
    assert session_cookies.needs_refresh(None)
    assert session_cookies.needs_refresh("not-a-jwt")
    assert session_cookies.needs_refresh(token(time.time() - 5))
    assert session_cookies.needs_refresh(token(time.time() + 10))  # within the margin
    assert not session_cookies.needs_refresh(token(time.time() + 3600))


def test_store_sets_httponly_lax_cookies_and_secure_on_https():
    session = Session("acc", "ref", 0, User("u", "e@example.com"))
    for secure in (False, True):
        response = Response()
        session_cookies.store(response, session, secure=secure)
        cookies = response.headers.getlist("set-cookie")
        assert len(cookies) == 2
        for cookie in cookies:
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
            assert ("Secure" in cookie) == secure


def test_clear_expires_both_cookies():
    response = Response()
    session_cookies.clear(response, secure=False)
    cookies = response.headers.getlist("set-cookie")
    assert {c.split("=")[0] for c in cookies} == {"sb-access-token", "sb-refresh-token"}
    assert all("Max-Age=0" in c for c in cookies)
