"""Cross-site request forgery from the same site: another port or a sibling subdomain sends the
browser's cookies along (SameSite=Lax lets same-site requests through) with a no-cors fetch or a
`text/plain` form. Cookie-authenticated POSTs need a trusted Origin (or `Sec-Fetch-Site:
same-origin`); Bearer calls don't. In-process, SITE_URL is http://app.test (and development's
frontend http://localhost:3000 is trusted too). Sign-out's own check is in test_auth.py.
"""

from __future__ import annotations

import time

import pytest

from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, sign_in
from tests.in_process import InProcessApp

# Each route with a user it would call Stripe for.
ROUTES = [("/api/customer_portal", demo.DEMO_EMAIL), ("/api/checkout_sessions", demo.NOSUB_EMAIL),
          ("/api/subscription/resume", demo.CANCELING_EMAIL)]
FOREIGN = [
    {"Origin": "http://app.test:8080"},  # another port of the same host
    {"Origin": "http://evil.app.test"},  # a sibling subdomain
    {"Origin": "https://app.test"},  # another scheme
    {"Origin": "null"},  # a sandboxed frame, a data: page
    {"Sec-Fetch-Site": "same-site"},
    {},  # no word of where it came from
]


def session_cookies(stack: StackConfig, email: str) -> dict[str, str]:
    session = sign_in(stack, email)
    return {"sb-access-token": session["access_token"],
            "sb-refresh-token": session["refresh_token"]}


@pytest.fixture(scope="module")
def demo_cookies(stack: StackConfig, api: InProcessApp) -> dict[str, str]:
    return session_cookies(stack, demo.DEMO_EMAIL)


@pytest.mark.parametrize("route,email", ROUTES)
@pytest.mark.parametrize("headers", FOREIGN)
def test_a_cookie_post_no_trusted_page_sent_is_403_and_reaches_no_one(
    stack: StackConfig, api: InProcessApp, devstack: Devstack, route: str, email: str,
    headers: dict[str, str]
):
    started = time.time()
    response = api.post(route, cookies=session_cookies(stack, email), headers=headers,
                        content=b"x=1")
    assert (response.status_code, response.json()) == (403, {"error": "Forbidden"})
    assert devstack.stripe_requests(since=started) == []
    assert api.request_log(response.headers["x-request-id"])[0]["outcome"] == "cross_site"


@pytest.mark.parametrize("headers", [{"Origin": "http://app.test"},
                                     {"Origin": "http://localhost:3000"},
                                     {"Sec-Fetch-Site": "same-origin"}])
def test_a_cookie_post_from_the_apps_own_pages_works(api: InProcessApp, demo_cookies,
                                                     headers: dict[str, str]):
    response = api.post_portal(cookies=demo_cookies, headers=headers)
    assert response.status_code == 200 and set(response.json()) == {"url"}


def test_a_bearer_call_needs_no_origin(api: InProcessApp, demo_cookies):
    token = demo_cookies["sb-access-token"]
    response = api.post_portal(headers={"Authorization": f"Bearer {token}",
                                        "Origin": "http://evil.app.test"})
    assert response.status_code == 200


def test_without_any_credentials_it_is_still_401(api: InProcessApp):
    response = api.post_portal(headers={"Origin": "http://evil.app.test"})
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})
