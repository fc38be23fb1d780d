"""The plan card of the billing page: plan, price, status, renewal, and the ways to Stripe."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.states.billing import BillingState


def to_stripe_button(label: str, on_click: rx.event.EventHandler) -> rx.Component:
    """A button that leaves for a Stripe page: a spinner, and disabled, while it runs."""
    return rx.button(
        label,
        on_click=on_click,
        loading=BillingState.redirecting,
        disabled=BillingState.redirecting,
        size="3",
    )


def manage_button() -> rx.Component:
    return to_stripe_button("Manage Subscription", BillingState.open_portal)


def subscribe_button() -> rx.Component:
    return to_stripe_button("Subscribe", BillingState.subscribe)


def updating_note() -> rx.Component:
    return rx.cond(
        BillingState.updating,
        rx.hstack(rx.spinner(size="1"), rx.text("Updating…", size="1", color_scheme="gray"),
                  align="center"),
    )


def plan_details() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(BillingState.plan_label, size="5"),
            rx.badge(BillingState.status_label, color_scheme=BillingState.status_color,
                     variant="soft", size="2"),
            align="center",
        ),
        rx.text(BillingState.price_text, size="4"),
        rx.text(BillingState.renewal_text, color_scheme="gray"),
        rx.hstack(manage_button(), rx.cond(BillingState.can_subscribe, subscribe_button())),
        rx.text(
            "Change plan, cancel, update your card or download invoices in Stripe's "
            "secure customer portal.",
            size="1",
            color_scheme="gray",
        ),
        spacing="3",
        align="start",
    )


def no_subscription() -> rx.Component:
    return rx.vstack(
        rx.text("You don't have a subscription yet.", size="3"),
        subscribe_button(),
        spacing="3",
        align="start",
    )


def plan_card() -> rx.Component:
    return rx.card(
        rx.cond(
            BillingState.load_error != "",
            rx.callout(BillingState.load_error, color_scheme="red", role="alert"),
            rx.cond(
                BillingState.loaded,
                rx.vstack(
                    rx.cond(BillingState.has_subscription, plan_details(), no_subscription()),
                    updating_note(),
                    spacing="3",
                ),
                rx.hstack(rx.spinner(), rx.text("Loading your plan…"), align="center"),
            ),
        ),
        width="100%",
        padding="1.5em",
    )
