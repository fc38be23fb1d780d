"""Reading the session cookies, and when the access token needs renewing."""

from __future__ import annotations

import time

import jwt

from billing_app.session import cookies
from billing_app.session.supabase_auth import Session, User


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
