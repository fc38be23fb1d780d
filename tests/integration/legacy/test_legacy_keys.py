"""The integration subset on the legacy key generation (`DEVSTACK_SUPABASE_KEYS=legacy`: JWT
anon / service_role keys under their old names, HS256 tokens): portal, checkout and webhooks,
sign-in, renewal, and page loads falling back to Auth for HS256 tokens. The whole suite runs on
the new generation; the browser's legacy run is tests/e2e/exported/test_legacy_keys.py."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest
import stripe

from billing_app.billing.account import load_account
from billing_app.platform.outcomes import NOT_AUTHENTICATED, UpstreamError
from billing_app.platform.settings import get_settings
from billing_app.session import actions
from billing_app.session.codes import Ticket
from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, bearer, project_signed, sign_in
from tests.in_process import InProcessApp, running
from tests.stripe_events import deliver, events_for

UNAUTHORIZED = {"error": "Unauthorized"}


@pytest.fixture(scope="module")
def api(legacy_stack: StackConfig):
    with running(legacy_stack, PORTAL_RATE_LIMIT="1000/minute") as app:
        yield app


@pytest.fixture(scope="module")
def legacy(legacy_stack: StackConfig):
    devstack = Devstack(legacy_stack)
    devstack.point_webhooks(None)  # the tests deliver the events themselves
    yield devstack
    devstack.clear_faults()


@pytest.fixture(scope="module")
def legacy_stripe(legacy_stack: StackConfig) -> stripe.StripeClient:
    return demo.stripe_client(legacy_stack)


def new_user(legacy_stack: StackConfig) -> tuple[str, dict]:
    email = f"legacy-{uuid.uuid4().hex[:10]}@example.com"
    user_id = demo.recreate_user(demo.admin_client(legacy_stack), email)
    return user_id, sign_in(legacy_stack, email)


def test_the_app_reads_the_legacy_keys_under_their_old_names(api: InProcessApp,
                                                            legacy_stack: StackConfig):
    settings = get_settings()
    assert settings.supabase_publishable_key.get_secret_value() == legacy_stack.api_key("anon")
    assert settings.supabase_secret_key.get_secret_value() == legacy_stack.api_key(
        "service_role")


def test_the_portal_works(api: InProcessApp, legacy_stack: StackConfig, legacy: Devstack):
    session = sign_in(legacy_stack, demo.DEMO_EMAIL)
    response = api.post_portal(headers=bearer(session["access_token"]))
    assert response.status_code == 200
    assert legacy.portal_sessions()[-1]["url"] == response.json()["url"]
    # Browser-style, with an expired access cookie: renewed inline, then the portal.
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    expired = project_signed(legacy_stack, {**claims, "exp": int(time.time()) - 60})
    renewed = api.post_portal(headers={"Origin": api.url},
                              cookies={"sb-access-token": expired,
                                       "sb-refresh-token": session["refresh_token"]})
    assert renewed.status_code == 200 and "sb-access-token=" in renewed.headers["set-cookie"]


def test_forged_expired_and_signed_out_tokens_are_401(api: InProcessApp,
                                                     legacy_stack: StackConfig):
    session = sign_in(legacy_stack, demo.DEMO_EMAIL)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-projects-secret-not-the-projects", "HS256")
    expired = project_signed(legacy_stack, {**claims, "exp": int(time.time()) - 60})
    _, ended = new_user(legacy_stack)
    demo.admin_client(legacy_stack).auth.admin.sign_out(ended["access_token"])
    for token in (forged, expired, ended["access_token"]):
        response = api.post_portal(headers=bearer(token))
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_checkout_and_the_webhook_write_the_row(api: InProcessApp, legacy_stack: StackConfig,
                                               legacy: Devstack, legacy_stripe):
    user_id, session = new_user(legacy_stack)
    url = api.post("/api/checkout_sessions",
                   headers=bearer(session["access_token"])).json()["url"]
    assert httpx.post(url, follow_redirects=False, timeout=30).status_code == 303  # pays
    checkout = legacy_stripe.v1.checkout.sessions.retrieve(url.rstrip("/").rsplit("/", 1)[-1])
    events = events_for(legacy_stripe, checkout.subscription)
    # The webhook writes through the service role: a legacy service_role JWT as Bearer.
    assert "applied" in deliver(api, legacy_stack, events)
    row = (demo.admin_client(legacy_stack).table("user_subscriptions").select("*")
           .eq("user_id", user_id).single().execute().data)
    assert (row["status"], row["stripe_subscription_id"]) == ("active", checkout.subscription)
    assert api.post_portal(headers=bearer(session["access_token"])).status_code == 200


def test_sign_in_and_its_limit(api: InProcessApp):
    address = "198.51.100.200"
    assert isinstance(api.run(actions.sign_in(demo.DEMO_EMAIL, demo.DEMO_PASSWORD, address)),
                      Ticket)
    email = f"legacy-limit-{uuid.uuid4().hex[:6]}@example.com"
    tries = [api.run(actions.sign_in(email, "wrong-password", address)) for _ in range(6)]
    assert [t.outcome.value for t in tries] == ["wrong_credentials"] * 5 + ["too_many_sign_ins"]


def test_page_loads_of_hs256_tokens_ask_auth(api: InProcessApp, legacy_stack: StackConfig,
                                            legacy: Devstack):
    session = sign_in(legacy_stack, demo.DEMO_EMAIL)
    account = api.run(load_account(session["access_token"], locally=True))
    assert account.user.email == demo.DEMO_EMAIL and account.subscription is not None
    _, ended = new_user(legacy_stack)
    demo.admin_client(legacy_stack).auth.admin.sign_out(ended["access_token"])
    # No JWKS to check HS256 against: Auth is asked, so a signed-out token is refused...
    assert api.run(load_account(ended["access_token"], locally=True)) == NOT_AUTHENTICATED
    legacy.supabase_fault("auth", "error", path="/auth/v1/user")
    try:
        with pytest.raises(UpstreamError):  # ...and a failing Auth fails the page load
            api.run(load_account(session["access_token"], locally=True))
    finally:
        legacy.clear_faults()
