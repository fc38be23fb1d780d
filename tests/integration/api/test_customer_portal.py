"""POST /api/customer_portal, in-process (tests/in_process.py) against the stand-ins.

Every documented answer, for cURL-style (Bearer) and browser-style (cookie) callers. Whose
customer a session was made for is checked in the Stripe stand-in's own record.
"""

from __future__ import annotations

import concurrent.futures
import time
import uuid

import jwt
import pytest

from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, bearer, project_signed, sign_in
from tests.in_process import InProcessApp

UNAUTHORIZED = {"error": "Unauthorized"}
NO_SUBSCRIPTION = {"error": "No subscription found"}
FAILED = {"error": "Failed to create portal session"}


@pytest.fixture(scope="module")
def demo_session(stack: StackConfig, api: InProcessApp) -> dict:
    return sign_in(stack, demo.DEMO_EMAIL)


@pytest.fixture(scope="module")
def demo_customer(admin, demo_users) -> str:
    row = admin.table("user_subscriptions").select("stripe_customer_id").eq(
        "user_id", demo_users[demo.DEMO_EMAIL]).single().execute()
    return row.data["stripe_customer_id"]


def test_bearer_gets_a_portal_url_for_their_own_customer(
    api: InProcessApp, demo_session, demo_customer, devstack: Devstack
):
    before = len(devstack.portal_sessions(demo_customer))
    response = api.post_portal(headers=bearer(demo_session["access_token"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    url = response.json()["url"]
    assert set(response.json()) == {"url"}
    sessions = devstack.portal_sessions(demo_customer)
    assert len(sessions) == before + 1
    assert sessions[-1]["url"] == url
    assert sessions[-1]["return_url"] == f"{api.url}/dashboard/settings/billing"
    assert sessions[-1]["configuration"]  # the saved default configuration applied


def test_cookie_session_gets_a_portal_url(api: InProcessApp, demo_session, demo_customer,
                                          devstack: Devstack):
    response = api.post_portal(headers={"Origin": api.url}, cookies={
        "sb-access-token": demo_session["access_token"],
        "sb-refresh-token": demo_session["refresh_token"],
    })
    assert response.status_code == 200
    assert devstack.portal_sessions(demo_customer)[-1]["url"] == response.json()["url"]
    assert "set-cookie" not in response.headers  # nothing to renew


def test_every_call_makes_a_fresh_session(api: InProcessApp, demo_session):
    urls = {api.post_portal(headers=bearer(demo_session["access_token"])).json()["url"]
            for _ in range(3)}
    assert len(urls) == 3


def test_a_body_naming_another_customer_changes_nothing(
    api: InProcessApp, demo_session, demo_customer, devstack: Devstack, make_user
):
    """The body only ever names a flow: one naming anything else is refused, nothing made."""
    other = make_user(with_row=True)
    started = time.time()
    response = api.post_portal(
        headers=bearer(demo_session["access_token"]),
        json={"customer_id": other.id, "customer": "cus_x",
              "return_url": "https://evil.example/steal"},
    )
    assert (response.status_code, response.json()) == (400, {"error": "Unknown flow"})
    assert devstack.stripe_requests(since=started) == []
    response = api.post_portal(headers=bearer(demo_session["access_token"]),
                               json={"flow": "payment_method_update", "customer": "cus_x"})
    assert response.status_code == 400 and devstack.stripe_requests(since=started) == []


EVIL = "https://evil.example/steal"


@pytest.mark.parametrize("request_parts", [
    {"params": {"return_url": EVIL}},
    {"params": {"next": EVIL, "redirect": EVIL, "return_to": "//evil.example"}},
    {"data": {"return_url": EVIL}},
    {"json": {"return_url": EVIL, "flow_data": {"after_completion": {"redirect": EVIL}}}},
    {"headers": {"Origin": "https://evil.example"}},
    {"headers": {"Referer": f"{EVIL}/dashboard/settings/billing"}},
    {"headers": {"Host": "evil.example"}},
    {"headers": {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}},
    {"headers": {"Forwarded": "host=evil.example;proto=https"}},
    {"headers": {"X-Original-URL": EVIL, "X-Rewrite-URL": EVIL}},
], ids=["query", "query-aliases", "form", "json", "origin", "referer", "host",
        "x-forwarded-host", "forwarded", "x-original-url"])
def test_nothing_in_the_request_changes_the_return_url(
    api: InProcessApp, demo_session, demo_customer, devstack: Devstack, request_parts: dict
):
    headers = {**bearer(demo_session["access_token"]), **request_parts.get("headers", {})}
    if "data" in request_parts or "json" in request_parts:  # a body naming no flow is refused
        before = len(devstack.portal_sessions(demo_customer))
        response = api.post_portal(**{**request_parts, "headers": headers})
        assert (response.status_code, response.json()) == (400, {"error": "Unknown flow"})
        assert len(devstack.portal_sessions(demo_customer)) == before
        request_parts = {**request_parts, "json": {"flow": "payment_method_update"}}
        request_parts.pop("data", None)
    response = api.post_portal(**{**request_parts, "headers": headers})
    assert response.status_code == 200
    made = devstack.portal_sessions(demo_customer)[-1]
    billing = f"{api.url}/dashboard/settings/billing"
    assert made["url"] == response.json()["url"]
    assert made["return_url"] == billing
    if made["flow"] is not None:  # and a flow's way back too
        assert made["flow"]["after_completion"]["redirect"]["return_url"] == billing


def test_no_credentials_is_401(api: InProcessApp):
    response = api.post_portal()
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Token x", "bearer", "Bearer a b"])
def test_malformed_authorization_is_401(api: InProcessApp, header: str):
    response = api.post_portal(headers={"Authorization": header})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_forged_token_is_401(api: InProcessApp, demo_session):
    claims = jwt.decode(demo_session["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, "a-secret-that-is-not-the-projects-a-secret", algorithm="HS256")
    response = api.post_portal(headers=bearer(forged))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_expired_token_is_401(stack: StackConfig, api: InProcessApp, demo_session):
    claims = jwt.decode(demo_session["access_token"], options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 60
    expired = project_signed(stack, claims)
    response = api.post_portal(headers=bearer(expired))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_signed_out_token_is_401(stack: StackConfig, api: InProcessApp, make_user, admin):
    user = make_user(with_row=True)
    admin.auth.admin.sign_out(user.access_token)
    response = api.post_portal(headers=bearer(user.access_token))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_no_row_is_404(stack: StackConfig, api: InProcessApp):
    session = sign_in(stack, demo.NOSUB_EMAIL)
    response = api.post_portal(headers=bearer(session["access_token"]))
    assert (response.status_code, response.json()) == (404, NO_SUBSCRIPTION)


def test_row_without_customer_is_404(api: InProcessApp, make_user):
    user = make_user(with_row=True, stripe_customer_id=None, status="incomplete")
    response = api.post_portal(headers=bearer(user.access_token))
    assert (response.status_code, response.json()) == (404, NO_SUBSCRIPTION)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND"])
def test_other_methods_are_405(api: InProcessApp, demo_session, method: str):
    response = api.request(method, "/api/customer_portal",
                           headers=bearer(demo_session["access_token"]))
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})
    assert response.headers["allow"] == "POST"


def test_stripe_failure_is_500(api: InProcessApp, demo_session, no_faults: Devstack):
    no_faults.stripe_fault("error")  # every attempt, retries included
    response = api.post_portal(headers=bearer(demo_session["access_token"]))
    assert (response.status_code, response.json()) == (500, FAILED)


def test_unknown_stripe_customer_is_500(api: InProcessApp, make_user):
    user = make_user(with_row=True, stripe_customer_id=f"cus_gone_{uuid.uuid4().hex[:10]}")
    response = api.post_portal(headers=bearer(user.access_token))
    assert (response.status_code, response.json()) == (500, FAILED)
    assert "resource_missing" in api.log_text()


def test_canceled_subscription_still_opens_the_portal(
    api: InProcessApp, stripe_client, make_user, devstack: Devstack
):
    customer = stripe_client.v1.customers.create(params={"email": "canceled@example.com"})
    user = make_user(with_row=True, stripe_customer_id=customer.id, status="canceled")
    response = api.post_portal(headers=bearer(user.access_token))
    assert response.status_code == 200
    assert devstack.portal_sessions(customer.id)[-1]["url"] == response.json()["url"]


def test_expired_access_cookie_is_renewed_with_the_refresh_cookie(
    stack: StackConfig, api: InProcessApp, demo_customer, devstack: Devstack
):
    session = sign_in(stack, demo.DEMO_EMAIL)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 60
    expired = project_signed(stack, claims)
    response = api.post_portal(headers={"Origin": api.url},
                               cookies={"sb-access-token": expired,
                                        "sb-refresh-token": session["refresh_token"]})
    assert response.status_code == 200
    assert devstack.portal_sessions(demo_customer)[-1]["url"] == response.json()["url"]
    set_cookies = response.headers.get_list("set-cookie")
    renewed = {c.split("=", 1)[0]: c for c in set_cookies}
    assert set(renewed) == {"sb-access-token", "sb-refresh-token"}
    assert all("HttpOnly" in c and "SameSite=lax" in c for c in set_cookies)
    assert session["refresh_token"] not in renewed["sb-refresh-token"]  # rotated


def test_unknown_refresh_cookie_is_401_and_clears_the_cookies(api: InProcessApp):
    response = api.post_portal(headers={"Origin": api.url},
                               cookies={"sb-refresh-token": "not-a-real-refresh-token"})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    cleared = response.headers.get_list("set-cookie")
    assert len(cleared) == 2 and all("Max-Age=0" in c for c in cleared)


def test_two_users_at_once_each_get_their_own_customer(
    stack: StackConfig, api: InProcessApp, make_user, stripe_client, devstack: Devstack
):
    users = []
    for _ in range(2):
        customer = stripe_client.v1.customers.create(params={"email": "pair@example.com"})
        users.append((make_user(with_row=True, stripe_customer_id=customer.id), customer.id))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(
            lambda u: api.post_portal(headers=bearer(u[0].access_token)), users))
    for (_, customer), response in zip(users, responses, strict=True):
        assert response.status_code == 200
        assert [s["url"] for s in devstack.portal_sessions(customer)] == [response.json()["url"]]


def test_errors_never_carry_secrets(stack: StackConfig, api: InProcessApp,
                                    no_faults: Devstack, demo_session):
    no_faults.stripe_fault("error")
    bodies = [api.post_portal(headers=bearer(demo_session["access_token"])).text,
              api.post_portal().text]
    secrets = [stack.secrets.stripe_secret_key, stack.api_key("service_role"),
               stack.secrets.stripe_webhook_secret, demo_session["access_token"],
               demo_session["refresh_token"]]
    for text in [*bodies, api.log_text()]:
        for secret in secrets:
            assert secret not in text
