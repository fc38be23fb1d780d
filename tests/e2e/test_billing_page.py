"""The billing page in Chromium: sign in, see the plan, go to the portal and come back."""

from __future__ import annotations

import re
import time
import uuid

import httpx
import jwt
import pytest
from playwright.sync_api import Page, expect

from devstack import seed as demo
from devstack.config import StackConfig
from tests.e2e.browser_steps import sign_in_as
from tests.helpers import Devstack, RunningApp, project_signed

pytestmark = pytest.mark.e2e

BILLING = re.compile(r"/dashboard/settings/billing/?$")


def demo_customer(admin, demo_users) -> str:
    return admin.table("user_subscriptions").select("stripe_customer_id").eq(
        "user_id", demo_users[demo.DEMO_EMAIL]).single().execute().data["stripe_customer_id"]


def test_a_signed_out_visit_ends_on_login(page: Page):
    page.goto("/dashboard/settings/billing")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard%2Fsettings%2Fbilling"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_wrong_credentials_show_a_clear_message(page: Page):
    sign_in_as(page, demo.DEMO_EMAIL, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page).to_have_url(re.compile(r"/login"))


def test_demo_signs_in_and_sees_the_plan(page: Page):
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(page).to_have_url(BILLING)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    expect(page.get_by_text("Active", exact=True)).to_be_visible()
    expect(page.get_by_text("$20.00 / month")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Renews on \w+ \d{1,2}, \d{4}$"))).to_be_visible()
    expect(page.get_by_text(demo.DEMO_EMAIL)).to_be_visible()


def test_manage_subscription_lands_on_the_portal_and_returns_signed_in(
    page: Page, stack: StackConfig
):
    sign_in_as(page, demo.DEMO_EMAIL)
    page.get_by_role("button", name="Manage Subscription").click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))
    expect(page.get_by_text("Local stand-in for Stripe's hosted customer portal")).to_be_visible()
    page.get_by_role("link", name=re.compile("Return to")).click()
    expect(page).to_have_url(BILLING)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    expect(page.get_by_role("button", name="Manage Subscription")).to_be_enabled()


def test_a_user_without_a_subscription_sees_no_manage_button(page: Page):
    sign_in_as(page, demo.NOSUB_EMAIL)
    expect(page.get_by_text("You don't have a subscription yet.")).to_be_visible()
    expect(page.get_by_role("button", name="Subscribe to Pro")).to_be_visible()
    expect(page.get_by_role("button", name="Manage Subscription")).to_have_count(0)


def test_session_cookies_are_out_of_reach_of_page_scripts(page: Page, app_server: RunningApp):
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    for name in ("sb-access-token", "sb-refresh-token"):
        assert cookies[name]["httpOnly"] and cookies[name]["sameSite"] == "Lax"
        assert cookies[name]["path"] == "/"
        assert not cookies[name]["secure"]  # SITE_URL is http here; https gets Secure
    script_view = page.evaluate("document.cookie + JSON.stringify(localStorage)"
                                " + JSON.stringify(sessionStorage)")
    for name in ("sb-access-token", "sb-refresh-token"):
        assert cookies[name]["value"] not in script_view


def test_next_leads_back_after_sign_in_but_never_off_site(page: Page):
    sign_in_as(page, demo.DEMO_EMAIL, start="/login?next=https://evil.example/phish")
    expect(page).to_have_url(BILLING)


# Every text the page shows, as it changes (the page's own record, from before its scripts run).
RECORD_TEXTS = """(() => {
  window.__texts = [];
  new MutationObserver(() => window.__texts.push(document.body ? document.body.innerText : ""))
    .observe(document, {subtree: true, childList: true, characterData: true});
})()"""


def test_the_next_user_in_the_tab_never_sees_the_last_ones_data(page: Page):
    """A tab keeps its states on the server, and a page shows them as it hydrates, before its
    own load runs: signing out and in as someone else in the same tab once showed the last
    user's plan, card and invoices for a moment."""
    page.context.add_init_script(RECORD_TEXTS)
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(page.get_by_text("Visa ending in 4242")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in_as(page, demo.NOSUB_EMAIL)
    expect(page.get_by_text("Choose a plan")).to_be_visible()
    shown = page.evaluate("window.__texts")
    assert shown, "the page's texts weren't recorded"
    assert not [text for text in shown
                if demo.DEMO_EMAIL in text or "Pro (monthly)" in text or "4242" in text]


def test_a_page_load_never_shows_the_last_visits_plan(page: Page, admin, stripe_client,
                                                     held_webhooks):
    """The tab's states outlive a page load, and the page hydrates with them before its load
    reads the row: the last visit's plan once showed until then (then a skeleton, then the
    plan). Now the page shows its placeholder until this visit's row is read."""
    email = f"stale-{uuid.uuid4().hex[:12]}@example.com"
    row = demo.create_subscriber(admin, stripe_client, email)
    page.context.add_init_script(RECORD_TEXTS)
    sign_in_as(page, email)
    expect(page.get_by_text(re.compile(r"^Renews on "))).to_be_visible()
    # The row changes behind the page's back (as a webhook would write it).
    admin.table("user_subscriptions").update({"cancel_at_period_end": True}) \
        .eq("user_id", row["user_id"]).execute()
    page.reload()
    expect(page.get_by_text(re.compile(r"^Cancels on "))).to_be_visible()
    shown = page.evaluate("window.__texts")
    assert shown, "the page's texts weren't recorded"
    assert not [text for text in shown if "Renews on" in text]


def test_sign_out_ends_the_session_at_supabase(page: Page, stack: StackConfig):
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "sb-access-token")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    assert not [c for c in page.context.cookies() if c["name"].startswith("sb-")]
    refused = httpx.get(f"{stack.supabase_url}/auth/v1/user",
                        headers={"apikey": stack.api_key("anon"),
                                 "Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    page.goto("/dashboard/settings/billing")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_double_click_makes_one_portal_session(page: Page, devstack: Devstack, admin,
                                                  demo_users):
    customer = demo_customer(admin, demo_users)
    sign_in_as(page, demo.DEMO_EMAIL)
    button = page.get_by_role("button", name="Manage Subscription")
    expect(button).to_be_enabled()
    before = len(devstack.portal_sessions(customer))
    button.dblclick()
    page.wait_for_url(re.compile(r"/p/session/"))
    time.sleep(1)  # a second session, if any, would have been made by now
    assert len(devstack.portal_sessions(customer)) == before + 1


def test_an_expired_access_token_is_renewed_on_load(page: Page, stack: StackConfig,
                                                     app_server: RunningApp):
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    claims = jwt.decode(cookies["sb-access-token"]["value"], options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 60
    expired = project_signed(stack, claims)
    page.context.add_cookies([{**cookies["sb-access-token"], "value": expired}])
    with page.expect_request(re.compile(r"/api/auth/refresh\?next=")):
        page.goto("/dashboard/settings/billing")
    expect(page).to_have_url(BILLING)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    renewed = {c["name"]: c["value"] for c in page.context.cookies()}
    assert renewed["sb-access-token"] != expired
    assert renewed["sb-refresh-token"] != cookies["sb-refresh-token"]["value"]


def test_a_portal_failure_shows_the_api_message(page: Page, no_faults: Devstack):
    sign_in_as(page, demo.DEMO_EMAIL)
    button = page.get_by_role("button", name="Manage Subscription")
    expect(button).to_be_enabled()
    no_faults.stripe_fault("error")
    button.click()
    expect(page.get_by_role("alert")).to_have_text("Failed to create portal session")
    expect(button).to_be_enabled()
    expect(page).to_have_url(BILLING)
