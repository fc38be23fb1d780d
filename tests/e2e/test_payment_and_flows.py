"""In Chromium against the app as hosted: the billing page's card and next payment, its banners,
the portal's flows and Resume subscription.

The demo accounts are shared by the whole suite, so what changes an account (fixing a card,
resuming) runs on a fresh user made exactly as `python -m devstack seed` makes that demo
account; the demo accounts themselves are only looked at.
"""

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

BILLING = re.compile(r"/dashboard/settings/billing/?$")
DATE = r"\w+ \d{1,2}, \d{4}"
VISA_LINE = "Visa ending in 4242, expires 12/2034"


def fresh_email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture
def past_due(admin, stripe_client) -> str:
    """A user like pastdue@example.com: its latest invoice failed on the declining card."""
    email = fresh_email("pastdue")
    seed.make_past_due(admin, stripe_client, seed.create_subscriber(admin, stripe_client, email))
    return email


@pytest.fixture
def canceling(admin, stripe_client) -> str:
    """A user like canceling@example.com: active, canceling at the end of the period."""
    email = fresh_email("canceling")
    seed.create_subscriber(admin, stripe_client, email, cancel_at_period_end=True)
    return email


def payment(page: Page):
    return page.get_by_role("region", name="Payment")


def test_demo_sees_the_card_the_next_payment_and_the_plan_buttons(page: Page):
    sign_in_as(page, seed.DEMO_EMAIL)
    expect(page).to_have_url(BILLING)
    expect(payment(page).get_by_text(VISA_LINE)).to_be_visible()
    expect(payment(page).get_by_text("Next payment")).to_be_visible()
    expect(payment(page).get_by_text(re.compile(rf"^\$20\.00 on {DATE}$"))).to_be_visible()
    for name in ("Manage Subscription", "Change plan", "Cancel plan"):
        expect(page.get_by_role("button", name=name)).to_be_enabled()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_the_demo_past_due_account_shows_the_failed_payment_alert(page: Page):
    sign_in_as(page, seed.PASTDUE_EMAIL)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "Your last payment failed. Update your payment method to keep Pro (monthly).")
    expect(alert.get_by_role("button", name="Update payment method")).to_be_enabled()
    expect(page.get_by_text("Past due", exact=True)).to_be_visible()


def test_past_due_fixes_the_card_in_the_portal_and_the_page_turns_active_by_itself(
    page: Page, past_due: str, stack: StackConfig
):
    sign_in_as(page, past_due)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your last payment failed.")
    expect(payment(page).get_by_text("Visa ending in 0341, expires 12/2034")).to_be_visible()

    alert.get_by_role("button", name="Update payment method").click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))
    expect(page.get_by_role("heading", name="Update payment method")).to_be_visible()
    page.get_by_role("button", name="Visa •••• 4242").click()

    expect(page).to_have_url(BILLING)
    expect(page.get_by_text("Active", exact=True)).to_be_visible(timeout=10_000)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(payment(page).get_by_text(VISA_LINE)).to_be_visible()


def test_the_demo_canceling_and_trialing_accounts_show_their_banners(page: Page):
    sign_in_as(page, seed.CANCELING_EMAIL)
    ends = page.get_by_role("status").filter(has_text=re.compile(rf"^Your plan ends on {DATE}\."))
    expect(ends.get_by_role("button", name="Resume subscription")).to_be_enabled()
    expect(page.get_by_text(re.compile(rf"^Cancels on {DATE}$"))).to_be_visible()
    expect(payment(page).get_by_text("No further payments")).to_be_visible()
    expect(payment(page).get_by_text("Next payment")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel plan")).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    sign_in_as(page, seed.TRIALING_EMAIL)
    expect(page.get_by_role("status").filter(
        has_text=re.compile(rf"^Trial ends on {DATE}$"))).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_canceling_resumes_in_the_app_and_sees_renews_on(page: Page, canceling: str,
                                                        devstack: Devstack):
    sign_in_as(page, canceling)
    expect(payment(page).get_by_text("No further payments")).to_be_visible()
    before = len(devstack.stripe_requests(path="/v1/billing_portal/sessions"))
    page.get_by_role("button", name="Resume subscription").click()
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Your plan ends on"))).to_have_count(0)
    expect(payment(page).get_by_text(re.compile(rf"^\$20\.00 on {DATE}$"))).to_be_visible()
    expect(page.get_by_role("button", name="Cancel plan")).to_be_enabled()
    assert len(devstack.stripe_requests(path="/v1/billing_portal/sessions")) == before
    page.reload()  # the webhook has brought the row along
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()


@pytest.mark.parametrize(("button", "heading"), [("Change plan", "Update plan"),
                                                 ("Cancel plan", "Cancel your subscription")])
def test_the_plan_buttons_open_their_portal_flow(page: Page, admin, stripe_client,
                                                 stack: StackConfig, button: str, heading: str):
    email = fresh_email("flows")
    seed.create_subscriber(admin, stripe_client, email)
    sign_in_as(page, email)
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def test_cancel_plan_returns_to_billing_with_the_cancellation_shown(
    page: Page, admin, stripe_client
):
    email = fresh_email("cancel")
    seed.create_subscriber(admin, stripe_client, email)
    sign_in_as(page, email)
    page.get_by_role("button", name="Cancel plan").click()
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page).to_have_url(BILLING)
    expect(page.get_by_text(re.compile(rf"^Cancels on {DATE}$"))).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Resume subscription")).to_be_visible()


def test_while_stripe_holds_the_details_the_plan_shows_and_works(
    page: Page, no_faults: Devstack, stack: StackConfig
):
    """The preview hangs; the plan is there, a skeleton stands in for the details, a click goes
    through, and when Stripe gives up the section says so quietly."""
    no_faults.stripe_fault("timeout", path="/v1/invoices/create_preview")
    sign_in_as(page, seed.DEMO_EMAIL)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    expect(payment(page).get_by_role("status")).to_have_text("Loading payment details…")
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()
    expect(payment(page).get_by_role("status")).to_have_text(
        "Couldn't load payment details", timeout=20_000)
    expect(page.get_by_role("alert")).to_have_count(0)
    no_faults.clear_faults()
    page.get_by_role("button", name="Manage Subscription").click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))


def test_an_unknown_flow_is_400(app_server: RunningApp):
    response = app_server.post_portal(json={"flow": "nope"})
    assert (response.status_code, response.json()) == (400, {"error": "Unknown flow"})
