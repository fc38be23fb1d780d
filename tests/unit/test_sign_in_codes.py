"""One-time sign-in codes work once, and not after they expire."""

from __future__ import annotations

from billing_app import sign_in_codes
from billing_app.auth import Session, User

SESSION = Session("acc", "ref", 0, User("u", "e@example.com"))


def test_a_code_works_once():
    code = sign_in_codes.issue(SESSION)
    assert sign_in_codes.redeem(code) == SESSION
    assert sign_in_codes.redeem(code) is None


def test_unknown_and_empty_codes_give_nothing():
    assert sign_in_codes.redeem("nope") is None
    assert sign_in_codes.redeem(None) is None


def test_an_expired_code_gives_nothing(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(sign_in_codes.time, "monotonic", lambda: now[0])
    code = sign_in_codes.issue(SESSION)
    now[0] += sign_in_codes.CODE_TTL_S + 1
    assert sign_in_codes.redeem(code) is None


def test_codes_are_unguessable():
    codes = {sign_in_codes.issue(SESSION) for _ in range(100)}
    assert len(codes) == 100 and all(len(c) >= 40 for c in codes)
