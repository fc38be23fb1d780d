"""In Chromium: subscribe through checkout, cancel and reactivate through the portal, and see the
billing page follow each change (through the webhook) without reloading by hand."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from devstack import seed
from devstack.config import StackConfig
from tests.e2e.browser_steps import sign_in_as
from tests.helpers import Devstack, RunningApp

pytestmark = pytest.mark.e2e

BILLING = re.compile(r"/dashboard/settings/billing/?(\?.*)?$")
DATE = r"\w+ \d{1,2}, \d{4}"


@pytest.fixture
def fresh_subscriber(admin, stripe_client) -> str:
    """A user like demo@example.com (active Pro monthly), of this test alone."""
    email = f"sub-{uuid.uuid4().hex[:12]}@example.com"
    seed.create_subscriber(admin, stripe_client, email)
    return email


def test_a_user_without_a_subscription_subscribes_through_checkout(page: Page, make_user,
                                                                   stack: StackConfig):
    user = make_user()
    sign_in_as(page, user.email, user.password)
    expect(page.get_by_text("You don't have a subscription yet.")).to_be_visible()
    page.get_by_role("button", name="Subscribe to Pro").click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/c/pay/"))
    expect(page.get_by_text("Local stand-in for Stripe's hosted checkout")).to_be_visible()
    page.get_by_role("button", name="Subscribe").click()
    expect(page).to_have_url(BILLING)
    expect(page.get_by_text("Active", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()
    expect(page.get_by_role("button", name="Manage Subscription")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Subscribe"))).to_have_count(0)
    expect(page.get_by_role("region", name="Invoices").get_by_text("Paid")).to_be_visible()


def test_cancel_then_reactivate_in_the_portal(page: Page, fresh_subscriber: str):
    sign_in_as(page, fresh_subscriber)
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()

    page.get_by_role("button", name="Manage Subscription").click()
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()
    page.get_by_role("link", name=re.compile("Return to")).click()
    expect(page).to_have_url(BILLING)
    expect(page.get_by_text(re.compile(rf"^Cancels on {DATE}$"))).to_be_visible()

    page.get_by_role("button", name="Manage Subscription").click()
    page.get_by_role("button", name="Reactivate").click()
    expect(page.get_by_role("button", name="Cancel subscription")).to_be_visible()
    page.get_by_role("link", name=re.compile("Return to")).click()
    expect(page).to_have_url(BILLING)
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()


def test_back_from_the_portal_it_waits_for_a_late_webhook(
    page: Page, fresh_subscriber: str, no_faults: Devstack
):
    sign_in_as(page, fresh_subscriber)
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()
    page.get_by_role("button", name="Manage Subscription").click()
    # The webhook's write fails three times; the stand-in retries after 0.5, 1 and 2 s.
    no_faults.supabase_fault("rest", "error", times=3, path="/rpc/")
    page.get_by_role("button", name="Cancel subscription").click()
    page.get_by_role("link", name=re.compile("Return to")).click()
    expect(page.get_by_text("Updating…")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^Cancels on {DATE}$"))).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Updating…")).to_have_count(0)


def test_without_the_webhook_it_stops_waiting_and_shows_what_it_has(
    page: Page, fresh_subscriber: str, devstack: Devstack, app_server: RunningApp
):
    sign_in_as(page, fresh_subscriber)
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()
    page.get_by_role("button", name="Manage Subscription").click()
    devstack.point_webhooks(None)
    try:
        page.get_by_role("button", name="Cancel subscription").click()
        page.get_by_role("link", name=re.compile("Return to")).click()
        expect(page.get_by_text("Updating…")).to_be_visible()
        expect(page.get_by_text("Updating…")).to_have_count(0, timeout=10_000)
        expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()
    finally:
        devstack.point_webhooks(f"{app_server.url}/api/webhooks/stripe")
