"""The session's routes in-process against the stand-ins: the sign-in callback (a code works only
in the browser holding its nonce, never when another site sent the browser), sign-out (the
session ends at Supabase even once the access token has expired; only the app's own pages may
sign a user out), and the `__Host-` cookie names on https.

Chromium drives the same attacks through the hosted app in tests/e2e/test_login_csrf.py.
"""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from billing_app.session import actions
from billing_app.session.codes import Ticket
from devstack.config import StackConfig
from tests.helpers import project_signed, sign_in
from tests.in_process import InProcessApp, running

NONCE = "sb-sign-in-nonce"
BILLING = "/dashboard/settings/billing"


def ticket_for(app: InProcessApp, user) -> Ticket:
    """What the sign-in page's handler gets for this user: a code and its nonce."""
    ticket = app.run(actions.sign_in(user.email, user.password))
    assert isinstance(ticket, Ticket), ticket
    return ticket


def callback(app: InProcessApp, code: str, nonce: str | None = None,
             **headers: str) -> httpx.Response:
    return app.get(f"/api/auth/callback?code={code}&next={BILLING}",
                   cookies={NONCE: nonce} if nonce else None, headers=headers)


def set_cookie_names(response: httpx.Response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}


def refresh_works(stack: StackConfig, refresh_token: str) -> bool:
    answer = httpx.post(f"{stack.supabase_url}/auth/v1/token?grant_type=refresh_token",
                        headers={"apikey": stack.api_key("anon")},
                        json={"refresh_token": refresh_token}, timeout=10)
    return answer.status_code == 200


def test_the_browser_holding_the_nonce_is_signed_in_and_the_nonce_cleared(api: InProcessApp,
                                                                         make_user):
    ticket = ticket_for(api, make_user())
    response = callback(api, ticket.code, ticket.nonce, **{"Sec-Fetch-Site": "same-origin"})
    assert (response.status_code, response.headers["location"]) == (303, f"{api.url}{BILLING}")
    written = set_cookie_names(response)
    assert {"sb-access-token", "sb-refresh-token"} <= set(written)
    assert "Max-Age=0" in written[NONCE]


@pytest.mark.parametrize("nonce", [None, "another-browsers-nonce"])
def test_a_code_without_its_browsers_nonce_signs_no_one_in_and_is_spent(
    api: InProcessApp, make_user, nonce: str | None
):
    ticket = ticket_for(api, make_user())
    refused = callback(api, ticket.code, nonce)
    assert refused.status_code == 303
    assert refused.headers["location"] == (
        f"{api.url}/login?next=%2Fdashboard%2Fsettings%2Fbilling&error=refused")
    assert "sb-access-token" not in set_cookie_names(refused)
    # The attacker's code is gone: even its own browser can't use it now.
    assert "error=expired" in callback(api, ticket.code, ticket.nonce).headers["location"]


def test_a_callback_another_site_sent_the_browser_to_is_refused(api: InProcessApp, make_user):
    ticket = ticket_for(api, make_user())
    refused = callback(api, ticket.code, ticket.nonce, **{"Sec-Fetch-Site": "cross-site"})
    assert "error=refused" in refused.headers["location"]
    assert "sb-access-token" not in set_cookie_names(refused)
    # Same site (the exported frontend on another port or subdomain) is how sign-in arrives.
    allowed = callback(api, ticket.code, ticket.nonce, **{"Sec-Fetch-Site": "same-site"})
    assert "sb-access-token" in set_cookie_names(allowed)


def test_on_https_every_cookie_carries_the_host_prefix(stack: StackConfig, make_user):
    with running(stack, SITE_URL="https://app.test") as app:
        ticket = ticket_for(app, make_user())
        response = app.get(f"/api/auth/callback?code={ticket.code}",
                           cookies={f"__Host-{NONCE}": ticket.nonce})
        written = set_cookie_names(response)
        assert {"__Host-sb-access-token", "__Host-sb-refresh-token"} <= set(written)
        for cookie in written.values():
            attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
            assert {"secure", "path"} <= attributes and "domain" not in attributes
        # A nonce under the plain name (a sibling subdomain could set that one) counts for
        # nothing on https.
        ticket = ticket_for(app, make_user())
        refused = app.get(f"/api/auth/callback?code={ticket.code}",
                          cookies={NONCE: ticket.nonce})
        assert "error=refused" in refused.headers["location"]


def sign_out(app: InProcessApp, session_cookies: dict[str, str], **headers: str):
    return app.post("/api/auth/sign_out", cookies=session_cookies, headers=headers)


def test_sign_out_ends_the_session_even_after_the_access_token_expired(
    stack: StackConfig, api: InProcessApp, make_user
):
    """Supabase ends a session only for a live access token: sign-out with an expired one once
    cleared the cookies and left the refresh token working."""
    user = make_user()
    session = sign_in(stack, user.email, user.password)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    expired = project_signed(stack, {**claims, "exp": int(time.time()) - 60})
    response = sign_out(api, {"sb-access-token": expired,
                              "sb-refresh-token": session["refresh_token"]},
                        Origin=api.url)
    assert (response.status_code, response.headers["location"]) == (303, f"{api.url}/login")
    assert all("Max-Age=0" in c for c in response.headers.get_list("set-cookie"))
    time.sleep(0.1)
    assert not refresh_works(stack, session["refresh_token"])


def test_sign_out_ends_a_live_session(stack: StackConfig, api: InProcessApp, make_user):
    user = make_user()
    response = sign_out(api, {"sb-access-token": user.access_token,
                              "sb-refresh-token": user.refresh_token}, Origin=api.url)
    assert response.status_code == 303
    assert not refresh_works(stack, user.refresh_token)


@pytest.mark.parametrize("headers", [
    {"Origin": "http://app.test:8080"},  # another port of the same host
    {"Origin": "http://evil.app.test"},  # a sibling subdomain
    {"Origin": "null"},
    {"Sec-Fetch-Site": "same-site"},
    {},
])
def test_only_the_apps_own_pages_can_sign_a_user_out(stack: StackConfig, api: InProcessApp,
                                                     make_user, headers: dict[str, str]):
    user = make_user()
    response = sign_out(api, {"sb-access-token": user.access_token,
                              "sb-refresh-token": user.refresh_token}, **headers)
    assert (response.status_code, response.json()) == (403, {"error": "Forbidden"})
    assert "set-cookie" not in response.headers
    assert refresh_works(stack, user.refresh_token)
