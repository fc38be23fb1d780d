"""One-time sign-in codes kept in this process (no REDIS_URL): they work once, only for the
browser holding their nonce, and not after they expire. The same promises with Redis are in
tests/integration/session/test_codes_redis.py."""

from __future__ import annotations

import asyncio

import pytest

from billing_app.platform import clients
from billing_app.session import codes as sign_in_codes
from billing_app.session.codes import Ticket
from billing_app.session.supabase_auth import Session, User

SESSION = Session("acc", "ref", 0, User("u", "e@example.com"))


@pytest.fixture(autouse=True)
def without_redis(monkeypatch):
    monkeypatch.setattr(clients, "redis", lambda: None)


def issue() -> Ticket:
    return asyncio.run(sign_in_codes.issue(SESSION))


def redeem(code: str | None) -> sign_in_codes.Pending | None:
    return asyncio.run(sign_in_codes.redeem(code))


def test_a_code_works_once():
    ticket = issue()
    assert redeem(ticket.code).session == SESSION
    assert redeem(ticket.code) is None


def test_a_code_belongs_to_the_browser_holding_its_nonce_only():
    ticket, other = issue(), issue()
    pending = redeem(ticket.code)
    assert pending.belongs_to(ticket.nonce)
    assert not pending.belongs_to(other.nonce)
    assert not pending.belongs_to(None) and not pending.belongs_to("")
    assert ticket.nonce not in repr(pending)  # only its hash is kept


def test_unknown_and_empty_codes_give_nothing():
    assert redeem("nope") is None
    assert redeem(None) is None


def test_an_expired_code_gives_nothing(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(sign_in_codes.time, "monotonic", lambda: now[0])
    ticket = issue()
    now[0] += sign_in_codes.CODE_TTL_S + 1
    assert redeem(ticket.code) is None


def test_codes_and_nonces_are_unguessable():
    tickets = [issue() for _ in range(100)]
    values = {t.code for t in tickets} | {t.nonce for t in tickets}
    assert len(values) == 200 and all(len(v) >= 40 for v in values)
