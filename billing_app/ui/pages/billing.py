"""/dashboard/settings/billing: the user's plan, its banners, its payment details, the plans on
offer, the invoices, and the ways to manage it."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.banners import banners
from billing_app.ui.components.invoices_card import invoices_card
from billing_app.ui.components.layout import signed_in_page
from billing_app.ui.components.payment_details import payment_section
from billing_app.ui.components.plan_card import plan_card
from billing_app.ui.components.plan_picker import plan_picker
from billing_app.ui.states import stages
from billing_app.ui.states.billing import BillingState
from billing_app.ui.states.invoices import InvoicesState
from billing_app.ui.states.plans import PlansState


def billing_page() -> rx.Component:
    """The plan first, with its banners (both from the row); below it, once it is shown, the
    payment details (with a live subscription), the plan picker (without one) and the invoices
    (with a Stripe customer)."""
    return signed_in_page(
        "Billing",
        banners(),
        plan_card(),
        payment_section(),
        rx.cond(BillingState.loaded & BillingState.can_subscribe
                & (PlansState.stage != stages.HIDDEN) & (PlansState.stage != stages.FAILED),
                plan_picker()),
        rx.cond(BillingState.loaded & BillingState.has_subscription
                & (InvoicesState.stage != stages.HIDDEN), invoices_card()),
    )
