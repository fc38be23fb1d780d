"""The billing page's banners above the plan: a failed payment (an alert, with Update payment
method), a trial's end, and a scheduled cancellation (with Resume subscription)."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.buttons import action_button
from billing_app.ui.components.messages import banner
from billing_app.ui.states.billing import BillingState
from billing_app.ui.states.payment_details import PaymentDetailsState


def update_payment_method_button(tone: str = "primary") -> rx.Component:
    """To the portal's payment-method page (and back once a card is saved)."""
    return action_button("Update payment method", on_click=BillingState.update_payment_method,
                         busy=BillingState.running == "update_payment_method",
                         disabled=BillingState.acting, tone=tone)


def resume_button() -> rx.Component:
    # The payment details follow: a resumed subscription has a next payment again.
    return action_button("Resume subscription",
                         on_click=[BillingState.resume, PaymentDetailsState.load],
                         busy=BillingState.running == "resume", disabled=BillingState.acting)


def banners() -> rx.Component:
    """The banners of the plan read on this visit (none from the last one, see `loaded`)."""
    return rx.cond(BillingState.loaded, rx.fragment(
        rx.cond(BillingState.payment_failed_text != "",
                banner(BillingState.payment_failed_text, update_payment_method_button(),
                       role="alert")),
        rx.cond(BillingState.trial_text != "", banner(BillingState.trial_text, role="status")),
        rx.cond(BillingState.ends_text != "",
                banner(BillingState.ends_text, resume_button(), role="status")),
    ))
