"""One-time sign-in codes kept in this process (no REDIS_URL): they work once, and not after
they expire. The same promises with Redis are in tests/integration/test_sign_in_codes_redis.py."""

from __future__ import annotations

import asyncio

import pytest

from billing_app.platform import clients
from billing_app.session import codes as sign_in_codes
from billing_app.session.supabase_auth import Session, User

SESSION = Session("acc", "ref", 0, User("u", "e@example.com"))


@pytest.fixture(autouse=True)
def without_redis(monkeypatch):
    monkeypatch.setattr(clients, "redis", lambda: None)


def issue() -> str:
    return asyncio.run(sign_in_codes.issue(SESSION))


def redeem(code: str | None) -> Session | None:
    return asyncio.run(sign_in_codes.redeem(code))


def test_a_code_works_once():
    code = issue()
    assert redeem(code) == SESSION
    assert redeem(code) is None


def test_unknown_and_empty_codes_give_nothing():
    assert redeem("nope") is None
    assert redeem(None) is None


def test_an_expired_code_gives_nothing(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(sign_in_codes.time, "monotonic", lambda: now[0])
    code = issue()
    now[0] += sign_in_codes.CODE_TTL_S + 1
    assert redeem(code) is None


def test_codes_are_unguessable():
    codes = {issue() for _ in range(100)}
    assert len(codes) == 100 and all(len(c) >= 40 for c in codes)
