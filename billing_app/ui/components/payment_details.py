"""The billing page's payment section: the card Stripe charges, with Update payment method, and
the next payment; a skeleton until they arrive from Stripe, a quiet line if they can't."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.banners import update_payment_method_button
from billing_app.ui.components.card import card
from billing_app.ui.components.messages import status
from billing_app.ui.components.skeleton import skeleton
from billing_app.ui.states.billing import BillingState
from billing_app.ui.states.payment_details import PaymentDetailsState
from billing_app.ui.states.stages import FAILED, SHOWN

LABEL = "text-xs font-medium uppercase tracking-wide text-gray-600"


def detail(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.el.dl(rx.el.dt(label, class_name=LABEL), rx.el.dd(value), class_name="space-y-1")


def next_payment() -> rx.Component:
    """"Next payment" with its amount and date; when nothing more will be billed (a scheduled
    cancellation: the plan says "Cancels on ..."), "No further payments" in its place."""
    return rx.cond(
        PaymentDetailsState.next_payment_text != "",
        detail("Next payment", PaymentDetailsState.next_payment_text),
        rx.el.p("No further payments", class_name="sm:pt-5"),
    )


def details() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            detail("Payment method", PaymentDetailsState.payment_method_text),
            next_payment(),
            class_name="grid gap-4 sm:grid-cols-2",
        ),
        # While the failed-payment alert offers it, the button is there alone.
        rx.cond(BillingState.payment_failed_text == "",
                rx.el.div(update_payment_method_button(tone="secondary"))),
        class_name="space-y-4",
    )


def payment_section() -> rx.Component:
    """Shown with a live subscription; it asks for its details as it appears, after the plan."""
    this_visit = PaymentDetailsState.visit == BillingState.visit
    return rx.cond(
        BillingState.loaded & BillingState.live,
        rx.el.div(
            card(
                rx.el.h2("Payment", class_name="text-lg font-semibold"),
                rx.cond(
                    this_visit & (PaymentDetailsState.phase == SHOWN),
                    details(),
                    rx.cond(this_visit & (PaymentDetailsState.phase == FAILED),
                            status("Couldn't load payment details"),
                            skeleton("Loading payment details…", ("w-64", "w-48"))),
                ),
                label="Payment",
                class_name="space-y-4",
            ),
            on_mount=PaymentDetailsState.load,
        ),
    )
