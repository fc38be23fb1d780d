"""Login CSRF: nobody can put a browser into their own account.

The attack: an attacker signs in, takes the one-time code out of the redirect without redeeming
it, and sends a victim's browser to `/api/auth/callback?code=...`. A victim signed in that way
pays with Subscribe for the attacker's account. The attacker's redirect is caught here before it
reaches the app (the code is left unredeemed), and "another site" is a page Chromium is served
for http://attacker.test (cross-site to the app on localhost).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser_steps import sign_in_as

pytestmark = pytest.mark.e2e

BILLING = re.compile(r"/dashboard/settings/billing/?$")
LOGIN = re.compile(r"/login/?\?")
ATTACKER_SITE = "http://attacker.test/"


CALLBACK = re.compile(r".*/api/auth/callback\?.*")


def a_code_left_unredeemed(page: Page, email: str, password: str) -> str:
    """Sign in as `email` in this page's browser and keep the callback address it was sent to,
    without letting the browser go there."""
    caught: list[str] = []

    def keep(route) -> None:
        caught.append(route.request.url)
        # A 204 keeps the page where it is. (An aborted navigation shows an error page, which
        # Chromium may reload by itself later, redeeming the code after all.)
        route.fulfill(status=204)

    page.context.route(CALLBACK, keep)
    sign_in_as(page, email, password)
    for _ in range(200):  # route handlers run while Playwright is waiting
        if caught:
            page.context.unroute(CALLBACK)
            return caught[0]
        page.wait_for_timeout(100)
    raise AssertionError("sign-in never sent the browser to the callback")


def from_another_site(context: BrowserContext, page: Page, url: str) -> None:
    """Open a page of another site that sends this browser to `url` at once."""
    context.route(f"{ATTACKER_SITE}**", lambda route: route.fulfill(
        content_type="text/html", body=f"<script>location.href = {url!r};</script>"))
    page.goto(ATTACKER_SITE)


def session_cookies(context: BrowserContext) -> list[str]:
    return [c["name"] for c in context.cookies() if "sb-" in c["name"] and "token" in c["name"]]


def test_a_sign_in_code_works_only_in_the_browser_that_signed_in(browser, app_server,
                                                                 make_user):
    attacker = make_user()
    with browser.new_context(base_url=app_server.url) as theirs, \
            browser.new_context(base_url=app_server.url) as victims:
        callback = a_code_left_unredeemed(theirs.new_page(), attacker.email, attacker.password)
        victim = victims.new_page()
        victim.goto(callback)
        expect(victim).to_have_url(LOGIN)
        expect(victim.get_by_role("alert")).to_be_visible()
        assert session_cookies(victims) == []


def test_another_site_cannot_send_a_browser_through_the_callback(browser, app_server,
                                                                 make_user):
    """Even the browser the code belongs to is refused when another site sends it there."""
    user = make_user()
    with browser.new_context(base_url=app_server.url) as context:
        page = context.new_page()
        callback = a_code_left_unredeemed(page, user.email, user.password)
        from_another_site(context, page, callback)
        expect(page).to_have_url(LOGIN)
        assert session_cookies(context) == []


def test_next_cannot_lead_through_the_callback_a_second_time(browser, app_server, make_user):
    """`next=/%61pi/auth/callback?code=...` passed a check for `/api/`, and the one-port server
    decodes `/%61pi/` into `/api/`: the victim's own sign-in then redeemed the attacker's code."""
    attacker, victim_user = make_user(), make_user()
    with browser.new_context(base_url=app_server.url) as theirs, \
            browser.new_context(base_url=app_server.url) as victims:
        callback = a_code_left_unredeemed(theirs.new_page(), attacker.email, attacker.password)
        code = re.search(r"code=([^&]+)", callback).group(1)
        victim = victims.new_page()
        sign_in_as(victim, victim_user.email, victim_user.password,
                   start=f"/login?next={quote(f'/%61pi/auth/callback?code={code}', safe='')}")
        expect(victim).to_have_url(BILLING)
        expect(victim.get_by_text(victim_user.email)).to_be_visible()
        expect(victim.get_by_text(attacker.email)).to_have_count(0)
