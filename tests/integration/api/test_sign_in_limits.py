"""Sign-in attempts are limited before Supabase is asked (5 a minute per email, 20 per client
address), so one attacker can't drain the per-IP /token bucket that every user of this server
shares at Supabase Auth; and Supabase's own 429s reach the user as a wait, not a failure.

Sign-in runs in the app's loop (the login page's handler calls the same action); the page
itself is in tests/e2e/exported/test_sign_in_limits.py.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from billing_app.platform.outcomes import Outcome, Refusal
from billing_app.session import actions
from billing_app.session.codes import Ticket
from billing_app.ui.states.login import MESSAGES
from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, sign_in
from tests.in_process import InProcessApp


def attempt(api: InProcessApp, email: str, password: str, ip: str) -> Ticket | Refusal:
    return api.run(actions.sign_in(email, password, ip))


def outcome(result: Ticket | Refusal) -> Outcome:
    return result.outcome if isinstance(result, Refusal) else Outcome.SIGNED_IN


def an_address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


def test_15_wrong_passwords_for_one_email_stop_at_5_and_spare_supabases_bucket(
    stack: StackConfig, api: InProcessApp, gotrue_token_bucket: Devstack, demo_users
):
    # GoTrue's bucket of 30, refilling too slowly to blur the count on a busy machine.
    gotrue_token_bucket.auth_settings(rate_limit_token_refresh=1)
    address, victim = an_address(), f"victim-{uuid.uuid4().hex[:8]}@example.com"
    results = [attempt(api, victim, "wrong-password", address) for _ in range(15)]
    assert [outcome(r) for r in results] == (
        [Outcome.WRONG_CREDENTIALS] * 5 + [Outcome.TOO_MANY_SIGN_INS] * 10)
    assert all(1 <= r.retry_after_s <= 60 for r in results[5:])
    # Right after, from the same address, a correct sign-in goes through...
    assert outcome(attempt(api, demo.DEMO_EMAIL, demo.DEMO_PASSWORD, address)) is Outcome.SIGNED_IN
    # ...and Supabase's bucket (30) was spent on six of the sixteen: 24 are left.
    wrong = {"email": "nobody@example.com", "password": "wrong-one"}
    left = [httpx.post(f"{stack.supabase_url}/auth/v1/token?grant_type=password",
                       headers={"apikey": stack.api_key("anon")}, json=wrong).status_code
            for _ in range(25)]
    assert left == [400] * 24 + [429]


def test_the_21st_attempt_from_one_address_in_a_minute_waits(api: InProcessApp):
    address = an_address()
    emails = [f"spray-{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(21)]
    results = [attempt(api, email, "wrong-password", address) for email in emails]
    assert [outcome(r) for r in results] == [Outcome.WRONG_CREDENTIALS] * 20 + [
        Outcome.TOO_MANY_SIGN_INS]
    other = attempt(api, f"other-{uuid.uuid4().hex[:6]}@example.com", "wrong", an_address())
    assert outcome(other) is Outcome.WRONG_CREDENTIALS  # another address counts apart


def test_the_email_limit_ignores_case_and_spaces(api: InProcessApp):
    address, email = an_address(), f"Case-{uuid.uuid4().hex[:6]}@Example.com"
    for variant in (email, email.lower(), f" {email.upper()} ", email, email.lower()):
        assert outcome(attempt(api, variant, "wrong-password", address)) is (
            Outcome.WRONG_CREDENTIALS)
    assert outcome(attempt(api, email, "wrong-password", address)) is Outcome.TOO_MANY_SIGN_INS


def test_supabase_rate_limiting_sign_in_is_a_wait_not_a_failure(api: InProcessApp,
                                                               no_faults: Devstack):
    no_faults.supabase_fault("auth", "rate_limit", path="/token")
    result = attempt(api, demo.DEMO_EMAIL, demo.DEMO_PASSWORD, an_address())
    assert result == Refusal(Outcome.RATE_LIMITED, 60)
    message = MESSAGES[result.outcome].format(retry_after_s=result.retry_after_s)
    assert message == "Too many sign-in attempts. Try again in 60 seconds."


@pytest.fixture
def expired_session(stack: StackConfig, demo_users) -> dict:
    session = sign_in(stack, demo.DEMO_EMAIL)
    return {"sb-refresh-token": session["refresh_token"]}  # no access token: it must renew


def test_a_supabase_429_on_refresh_is_429_with_retry_after(api: InProcessApp, no_faults: Devstack,
                                                          expired_session):
    no_faults.supabase_fault("auth", "rate_limit", path="/token")
    renewal = api.get("/api/auth/refresh?next=/dashboard/settings/billing",
                      cookies=expired_session)
    assert (renewal.status_code, renewal.json()) == (429, {"error": "Too many requests"})
    assert renewal.headers["retry-after"] == "60"
    assert "set-cookie" not in renewal.headers  # the session stays: it is only a wait
    portal = api.post_portal(cookies=expired_session,  # renews inline: the same 429
                             headers={"Origin": api.url})
    assert (portal.status_code, portal.headers["retry-after"]) == (429, "60")


def test_refresh_is_skipped_while_the_access_token_is_good(stack: StackConfig, api: InProcessApp,
                                                          demo_users):
    session = sign_in(stack, demo.DEMO_EMAIL)
    cookies = {"sb-access-token": session["access_token"],
               "sb-refresh-token": session["refresh_token"]}
    again = api.get("/api/auth/refresh?next=/dashboard/settings/billing", cookies=cookies)
    assert again.status_code == 303
    assert again.headers["location"] == f"{api.url}/dashboard/settings/billing"
    assert "set-cookie" not in again.headers
    # The refresh token was never spent: it still renews once.
    rotated = httpx.post(f"{stack.supabase_url}/auth/v1/token?grant_type=refresh_token",
                         headers={"apikey": stack.api_key("anon")},
                         json={"refresh_token": session["refresh_token"]})
    assert rotated.status_code == 200
