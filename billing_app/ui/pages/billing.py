"""/dashboard/settings/billing: the user's plan, its banners, its payment details, and the ways
to manage it."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.banners import banners
from billing_app.ui.components.layout import signed_in_page
from billing_app.ui.components.payment_details import payment_section
from billing_app.ui.components.plan_card import plan_card


def billing_page() -> rx.Component:
    return signed_in_page("Billing", banners(), plan_card(), payment_section())
