"""Accessibility in Chromium: axe-core (axe-playwright-python, axe 4.12) finds no violation of
any impact on /login (with its error too) and on the billing page in every demo account's state;
a keyboard alone signs in and opens the portal; every control shows where focus is."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from devstack import seed as demo
from devstack.config import StackConfig
from tests.e2e.browser_steps import sign_in_as

pytestmark = pytest.mark.e2e

BILLING = re.compile(r"/dashboard/settings/billing/?$")
AXE = Axe()
# Every rule axe runs by default, best practices included, whatever their impact.
ACCOUNTS = [demo.DEMO_EMAIL, demo.NOSUB_EMAIL, demo.PASTDUE_EMAIL, demo.CANCELING_EMAIL,
            demo.TRIALING_EMAIL]
LOADING = re.compile(r"^Loading ")


def assert_no_violations(page: Page) -> None:
    found = AXE.run(page).response["violations"]
    assert found == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"]) for v in found)


def settled(page: Page) -> None:
    """The billing page as users read it: every skeleton replaced by what it stood for."""
    expect(page).to_have_url(BILLING)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=LOADING)).to_have_count(0,
                                                                             timeout=15_000)


def test_the_check_finds_a_violation_when_there_is_one(page: Page):
    """So a clean report means something: an unlabelled input and an image without text."""
    page.set_content('<main><input type="text"><img src="x.png"></main>')
    ids = {v["id"] for v in AXE.run(page).response["violations"]}
    assert {"label", "image-alt"} <= ids


def test_login_has_no_violations(page: Page):
    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    assert_no_violations(page)


def test_login_with_its_error_shown_has_no_violations(page: Page):
    sign_in_as(page, demo.DEMO_EMAIL, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    assert_no_violations(page)


@pytest.mark.parametrize("email", ACCOUNTS, ids=[e.split("@")[0] for e in ACCOUNTS])
def test_the_billing_page_has_no_violations(page: Page, email: str):
    sign_in_as(page, email)
    expect(page).to_have_url(BILLING)
    settled(page)
    assert_no_violations(page)


FOCUS_SHOWN = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const shown = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                  || style.boxShadow !== 'none';
    return {name: (el.innerText || el.getAttribute('aria-label') || el.id || el.tagName).trim(),
            shown};
}"""


def tab_to(page: Page, name: str, limit: int = 30) -> list[dict]:
    """Press Tab until the control named `name` has focus; every control passed on the way."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_SHOWN)
        if focused is None:
            continue
        passed.append(focused)
        if focused["name"].startswith(name):
            return passed
    raise AssertionError(f"{name!r} never got focus; the Tab order was {passed}")


def test_a_keyboard_alone_signs_in_and_opens_the_portal(page: Page, stack: StackConfig):
    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    tab_to(page, "email")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(demo.DEMO_EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(BILLING)
    expect(page.get_by_role("button", name="Manage Subscription")).to_be_enabled()
    tab_to(page, "Manage Subscription")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))


@pytest.mark.parametrize("email", [demo.DEMO_EMAIL, demo.NOSUB_EMAIL], ids=["demo", "nosub"])
def test_every_control_shows_its_focus(page: Page, email: str):
    """Tab through the whole page, back to the start: each control that takes focus draws its
    focus ring (an outline) while it has it."""
    sign_in_as(page, email)
    expect(page).to_have_url(BILLING)
    settled(page)
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_SHOWN)
        if focused is None or (seen and focused == seen[0]):
            break
        seen.append(focused)
    assert len(seen) >= 2, seen
    assert [f["name"] for f in seen if not f["shown"]] == [], seen


def test_the_plan_picker_works_from_the_keyboard(page: Page, stack: StackConfig):
    sign_in_as(page, demo.NOSUB_EMAIL)
    settled(page)
    tab_to(page, "Yearly")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Yearly")).to_have_attribute("aria-pressed", "true")
    tab_to(page, "Subscribe to Pro")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/c/pay/"))
