"""Chromium at the app's https address (the `https_app` instance behind its TLS front): Secure,
`__Host-` session cookies, the rate-limit message, and nothing secret in the websocket's frames.

The front's certificate comes from a throwaway CA that Chromium doesn't know, so the context
ignores certificate errors; the page is still https, with wss:// for the websocket, and
Chromium applies its https rules to cookies.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from devstack import seed as demo
from devstack.config import StackConfig
from tests.e2e.browser_steps import chromium, fresh_page, sign_in_as
from tests.helpers import Devstack, HttpsApp, sign_in

pytestmark = pytest.mark.e2e

BILLING = re.compile(r"/dashboard/settings/billing/?$")
SESSION_COOKIES = ("__Host-sb-access-token", "__Host-sb-refresh-token")


@pytest.fixture(scope="module")
def https_browser(https_app: HttpsApp) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(https_browser: Browser, https_app: HttpsApp) -> Iterator[Page]:
    with fresh_page(https_browser, https_app.url, ignore_https_errors=True) as fresh:
        yield fresh


@pytest.fixture
def subscriber(make_user, stripe_client):
    customer = stripe_client.v1.customers.create(params={"email": "https@example.com"})
    return make_user(with_row=True, stripe_customer_id=customer.id), customer.id


def test_on_https_the_session_cookies_are_host_prefixed_secure_httponly_and_lax(page: Page,
                                                                               subscriber):
    """`__Host-`: the browser keeps such a cookie only from this host, Secure, on Path=/, with no
    Domain, so no sibling subdomain can plant or overwrite one (a planted session or nonce
    would sign the victim into someone else's account)."""
    user, _ = subscriber
    set_cookies: list[str] = []
    page.on("response", lambda r: set_cookies.extend(
        h["value"] for h in r.headers_array() if h["name"].lower() == "set-cookie"))
    sign_in_as(page, user.email, user.password)
    expect(page).to_have_url(re.compile(r"^https://.*/dashboard/settings/billing/?$"))
    expect(page.get_by_role("button", name="Manage Subscription")).to_be_enabled()

    sent = {c.split("=", 1)[0]: c for c in set_cookies if "sb-" in c.split("=", 1)[0]}
    assert set(sent) == {*SESSION_COOKIES, "__Host-sb-sign-in-nonce"}
    for name in SESSION_COOKIES:
        attributes = {a.strip().lower() for a in sent[name].split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= attributes
        assert not any(a.startswith("domain") for a in attributes)
    jar = {c["name"]: c for c in page.context.cookies()}
    # The sign-in nonce is gone; beside the session only the page's own `languages` cookie.
    assert set(jar) == {*SESSION_COOKIES, "languages"}
    assert jar["languages"]["value"] == "en-US%2Cen"  # navigator.languages, nothing else
    for name in SESSION_COOKIES:
        assert jar[name]["secure"] and jar[name]["httpOnly"] and jar[name]["sameSite"] == "Lax"
    script_view = page.evaluate("document.cookie + JSON.stringify(localStorage)"
                                " + JSON.stringify(sessionStorage)")
    for name in SESSION_COOKIES:
        assert jar[name]["value"] not in script_view


def test_past_the_limit_manage_subscription_shows_the_message(
    page: Page, https_app: HttpsApp, devstack: Devstack, subscriber
):
    user, customer = subscriber
    for _ in range(10):  # the default limit, used up through the API
        response = httpx.post(f"{https_app.url}/api/customer_portal", timeout=30,
                              verify=https_app.front.client_context(),
                              headers={"Authorization": f"Bearer {user.access_token}"})
        assert response.status_code == 200
    sign_in_as(page, user.email, user.password)
    button = page.get_by_role("button", name="Manage Subscription")
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_role("alert")).to_contain_text("Too many requests")
    expect(button).to_be_enabled()
    expect(page).to_have_url(BILLING)
    assert len(devstack.portal_sessions(customer)) == 10  # Stripe wasn't asked an 11th time


def test_refused_portal_clicks_cost_stripe_nothing(page: Page, https_app: HttpsApp,
                                                  devstack: Devstack, stack: StackConfig,
                                                  admin, stripe_client, held_webhooks):
    """A click refused by the limit once marked "left for the portal" all the same, so the next
    page load read the subscription from Stripe: each refused click still cost a Stripe call.
    Now each load reads only its payment details (the subscription with its card, and the
    invoice preview) and its invoices, once each; a refused click adds nothing to that."""
    email = f"refused-{uuid.uuid4().hex[:12]}@example.com"
    row = demo.create_subscriber(admin, stripe_client, email)
    token = sign_in(stack, email)["access_token"]
    for _ in range(10):  # the default limit, used up through the API
        httpx.post(f"{https_app.url}/api/customer_portal", timeout=30,
                   verify=https_app.front.client_context(),
                   headers={"Authorization": f"Bearer {token}"})
    sign_in_as(page, email, demo.DEMO_PASSWORD)
    button = page.get_by_role("button", name="Manage Subscription")
    # The payment details come after the plan: each load is counted once they are in.
    details = page.get_by_text("Next payment")
    expect(button).to_be_enabled()
    expect(details).to_be_visible()
    invoices = page.get_by_role("region", name="Invoices")
    expect(invoices.get_by_role("link", name=re.compile("View invoice")).first).to_be_visible()
    started = time.time()
    for _ in range(3):
        button.click()
        expect(page.get_by_text("Too many requests").first).to_be_visible()
        page.reload()
        expect(button).to_be_enabled()
        expect(details).to_be_visible()
        expect(invoices.get_by_role("link", name=re.compile("View invoice")).first).to_be_visible()
    # Each load reads the invoices (README: GET /api/invoices, INVOICES_RATE_LIMIT) and the
    # payment details; the refused clicks add nothing.
    made = sorted((r["method"], r["path"]) for r in devstack.stripe_requests(since=started))
    assert made == sorted([("GET", f"/v1/subscriptions/{row['stripe_subscription_id']}"),
                           ("POST", "/v1/invoices/create_preview"),
                           ("GET", "/v1/invoices")] * 3)
    assert len(devstack.portal_sessions(row["stripe_customer_id"])) == 10


def test_no_secret_or_token_crosses_the_websocket(page: Page, stack: StackConfig, subscriber):
    user, _ = subscriber
    frames: list[str] = []

    def watch(socket) -> None:
        socket.on("framesent", lambda payload: frames.append(str(payload)))
        socket.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", watch)
    sign_in_as(page, user.email, user.password)
    expect(page).to_have_url(BILLING)
    expect(page.get_by_role("button", name="Manage Subscription")).to_be_enabled()
    page.get_by_role("button", name="Manage Subscription").click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))

    jar = {c["name"]: c["value"] for c in page.context.cookies()}
    secrets = {
        "Stripe secret key": stack.secrets.stripe_secret_key,
        "service-role key": stack.api_key("service_role"),
        "webhook secret": stack.secrets.stripe_webhook_secret,
        "JWT secret": stack.secrets.jwt_secret,
        "access token": jar["__Host-sb-access-token"],
        "refresh token": jar["__Host-sb-refresh-token"],
    }
    everything = "\n".join(frames)
    assert user.email in everything  # the frames were seen: the page's state names the user
    leaked = [name for name, value in secrets.items() if value in everything]
    assert leaked == []
