"""The pages' building blocks (ui/components/): plain HTML elements only, every piece of content
inside a landmark, and the accessibility each block promises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import reflex as rx
from reflex_components_radix.themes.base import RadixThemesComponent

from billing_app.ui import display
from billing_app.ui.components.badge import TONES, badge
from billing_app.ui.components.buttons import action_button
from billing_app.ui.components.invoices_card import invoices_card
from billing_app.ui.components.languages import SCRIPT
from billing_app.ui.components.messages import alert, status
from billing_app.ui.components.plan_picker import plan_picker
from billing_app.ui.pages.billing import billing_page
from billing_app.ui.pages.login import login_page
from billing_app.ui.states.billing import BillingState

PAGES = {"login": login_page, "billing": billing_page}
LANDMARKS = {"Header", "Main", "Nav", "Footer", "Aside"}


def walk(component: rx.Component, ancestors: tuple[str, ...] = ()
         ) -> Iterator[tuple[rx.Component, tuple[str, ...]]]:
    """Every component of the tree (both branches of each rx.cond), with its ancestors' types."""
    yield component, ancestors
    for child in getattr(component, "children", []):
        yield from walk(child, (*ancestors, type(component).__name__))


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_no_page_uses_a_radix_themes_component(page):
    """One would bring Radix's whole stylesheet (about 700 KB) back onto every page."""
    radix = [type(c).__name__ for c, _ in walk(page()) if isinstance(c, RadixThemesComponent)]
    assert radix == []


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_every_text_of_a_page_is_inside_a_landmark(page):
    texts = [(str(c), ancestors) for c, ancestors in walk(page())
             if type(c).__name__ == "Bare"]
    assert texts
    outside = [text for text, ancestors in texts if not LANDMARKS & set(ancestors)]
    assert outside == []


def test_each_page_has_one_main_and_one_h1():
    for page in PAGES.values():
        kinds = [type(c).__name__ for c, _ in walk(page())]
        assert kinds.count("Main") == 1 and kinds.count("H1") == 1


def test_the_sign_in_fields_have_labels():
    rendered = str(login_page())
    for name in ("email", "password"):
        assert f'htmlFor:"{name}"' in rendered and f'id:"{name}"' in rendered


def test_a_busy_button_shows_a_spinner_is_disabled_and_says_so():
    rendered = str(action_button("Manage Subscription", busy=BillingState.acting))
    busy = str(BillingState.acting)
    assert f"disabled:{busy}" in rendered and f'"aria-busy":{busy}' in rendered
    assert "animate-spin" in rendered and '"aria-hidden":"true"' in rendered
    assert 'type:"button"' in rendered


def test_alerts_and_status_lines_have_their_roles():
    assert 'role:"alert"' in str(alert("Failed to create portal session"))
    assert 'role:"status"' in str(status("Updating…"))


def test_every_subscription_status_has_a_badge_tone():
    assert set(display.STATUS_COLORS.values()) <= set(TONES)
    assert TONES["green"] in str(badge("Active", "green"))


def test_the_invoice_link_opens_a_new_tab_without_giving_it_the_page():
    rendered = str(invoices_card())
    assert 'target:"_blank"' in rendered and 'rel:"noopener"' in rendered
    assert "opens in a new tab" in rendered  # said to screen readers
    assert 'scope:"col"' in rendered


def test_the_interval_switch_says_which_is_chosen():
    rendered = str(plan_picker())
    assert '"aria-pressed":' in rendered and 'role:"group"' in rendered


def test_the_languages_script_survives_prerendering():
    """The page's HTML is prerendered, its text escaped: quotes, & or angle brackets would
    break the script."""
    assert not set(SCRIPT) & set("\"'&<>")
    assert "navigator.languages" in SCRIPT and "document.cookie" in SCRIPT
