"""In Chromium: the billing page's Invoices section and its plan picker, and both following the
browser's language (numbers, currencies, dates, the interval word; the page's words stay
English)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from devstack import seed as demo
from devstack.config import StackConfig
from tests.e2e.browser_steps import fresh_page, sign_in_as
from tests.helpers import Devstack, RunningApp

pytestmark = pytest.mark.e2e

BILLING = re.compile(r"/dashboard/settings/billing/?$")
GERMAN_MONTHS = ("Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|"
                 "Dezember")


def invoices(page: Page):
    return page.get_by_role("region", name="Invoices")


def test_demo_sees_a_paid_invoice_linking_to_stripes_hosted_page(page: Page,
                                                                   stack: StackConfig):
    sign_in_as(page, demo.DEMO_EMAIL)
    section = invoices(page)
    expect(section.get_by_role("heading", name="Invoices")).to_be_visible()
    paid = section.get_by_role("row").filter(has_text="Paid")
    expect(paid.first).to_be_visible()
    expect(paid.first).to_contain_text("$20.00")
    expect(paid.first).to_contain_text(re.compile(r"\w+ \d{1,2}, \d{4}"))
    link = paid.first.get_by_role("link", name=re.compile(r"^View invoice"))
    expect(link).to_have_attribute("href", re.compile(re.escape(stack.stripe_api_base) + "/i/"))
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    with page.context.expect_page() as opened:
        link.click()
    hosted = opened.value
    expect(hosted.get_by_text("Local stand-in for Stripe's hosted invoice page")).to_be_visible()
    hosted.close()
    expect(page).to_have_url(BILLING)  # the billing page stays where it was


def test_the_invoices_load_after_the_plan_and_never_hold_it(page: Page, no_faults: Devstack):
    """Stripe's invoice list hangs for its first try: the plan shows, the section shows its
    skeleton, and the rows come when the retry answers."""
    no_faults.stripe_fault("timeout", times=1, path="/v1/invoices", method="GET")
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    expect(invoices(page).get_by_role("status")).to_have_text("Loading invoices…")
    expect(page.get_by_role("button", name="Manage Subscription")).to_be_enabled()
    expect(invoices(page).get_by_text("Paid").first).to_be_visible(timeout=15_000)


def test_when_stripe_fails_the_invoices_say_so_quietly_and_the_page_works(
        page: Page, no_faults: Devstack, stack: StackConfig):
    no_faults.stripe_fault("error", path="/v1/invoices", method="GET")
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(invoices(page).get_by_role("status")).to_have_text("Couldn't load invoices.",
                                                              timeout=15_000)
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_role("button", name="Manage Subscription").click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))


def test_nosub_picks_a_plan_with_prices_and_subscribes_to_team(page: Page, stack: StackConfig):
    sign_in_as(page, demo.NOSUB_EMAIL)
    expect(page.get_by_text("You don't have a subscription yet.")).to_be_visible()
    picker = page.get_by_role("region", name="Choose a plan")
    buttons = picker.get_by_role("button", name=re.compile(r"^Subscribe to "))
    expect(buttons).to_have_count(2)
    expect(picker.get_by_text("$20.00 / month")).to_be_visible()
    expect(picker.get_by_text("$49.00 / month")).to_be_visible()
    expect(invoices(page)).to_have_count(0)
    # The one-time setup fee is no plan.
    expect(picker.get_by_text("$50.00")).to_have_count(0)

    monthly = picker.get_by_role("button", name="Monthly")
    yearly = picker.get_by_role("button", name="Yearly")
    expect(monthly).to_have_attribute("aria-pressed", "true")
    yearly.click()
    expect(yearly).to_have_attribute("aria-pressed", "true")
    expect(picker.get_by_text("$192.00 / year")).to_be_visible()
    expect(buttons).to_have_count(1)
    expect(picker.get_by_role("button", name="Subscribe to Pro")).to_be_visible()
    monthly.click()

    picker.get_by_role("button", name="Subscribe to Team").click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/c/pay/"))
    expect(page.get_by_text("Team").first).to_be_visible()
    expect(page.get_by_text("$49.00").first).to_be_visible()


def test_the_catalogue_costs_no_stripe_call_per_page_load(page: Page, devstack: Devstack):
    """Read once, kept for minutes: reloading the picker asks Stripe for no price."""
    sign_in_as(page, demo.NOSUB_EMAIL)
    buttons = page.get_by_role("button", name=re.compile(r"^Subscribe to "))
    expect(buttons).to_have_count(2)
    since = time.time()
    for _ in range(3):
        page.reload()
        expect(buttons).to_have_count(2)
    assert devstack.stripe_requests(path="/v1/prices", since=since) == []


def test_a_subscriber_sees_no_plan_picker(page: Page):
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(invoices(page)).to_be_visible()
    expect(page.get_by_role("region", name="Choose a plan")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Subscribe"))).to_have_count(0)


def test_in_german_the_numbers_and_dates_are_german(browser: Browser, app: RunningApp):
    with fresh_page(browser, app.url, locale="de-DE") as page:
        sign_in_as(page, demo.DEMO_EMAIL)
        expect(page.get_by_text("Pro (monthly)")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^20,00\s\$ / Monat$"))).to_be_visible()
        expect(page.get_by_text(re.compile(rf"^Renews on \d{{1,2}}\. ({GERMAN_MONTHS}) \d{{4}}$"))
               ).to_be_visible()
        row = invoices(page).get_by_role("row").filter(has_text="Paid").first
        expect(row).to_contain_text(re.compile(r"20,00\s\$"))
        expect(row).to_contain_text(re.compile(rf"\d{{1,2}}\. ({GERMAN_MONTHS}) \d{{4}}"))
        # The page's own words stay English.
        expect(page.get_by_role("button", name="Manage Subscription")).to_be_visible()


def test_in_french_the_picker_is_french_and_so_is_checkout(browser: Browser, app: RunningApp,
                                                            stripe_client):
    with fresh_page(browser, app.url, locale="fr-FR") as page:
        sign_in_as(page, demo.NOSUB_EMAIL)
        picker = page.get_by_role("region", name="Choose a plan")
        expect(picker.get_by_text(re.compile(r"^20,00\s\$US / mois$"))).to_be_visible()
        picker.get_by_role("button", name="Subscribe to Pro").click()
        expect(page).to_have_url(re.compile(r"/c/pay/"))
        session_id = page.url.rsplit("/c/pay/", 1)[1].split("?")[0]
    assert stripe_client.v1.checkout.sessions.retrieve(session_id).locale == "fr"


def test_checkout_and_the_portal_open_in_the_users_language(browser: Browser, app: RunningApp,
                                                            devstack: Devstack, admin,
                                                            demo_users):
    with fresh_page(browser, app.url, locale="de-DE") as page:
        sign_in_as(page, demo.DEMO_EMAIL)
        page.get_by_role("button", name="Manage Subscription").click()
        expect(page).to_have_url(re.compile(r"/p/session/"))
    customer = admin.table("user_subscriptions").select("stripe_customer_id").eq(
        "user_id", demo_users[demo.DEMO_EMAIL]).single().execute().data["stripe_customer_id"]
    assert devstack.portal_sessions(customer)[-1]["locale"] == "de"
