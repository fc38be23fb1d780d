"""The plan card of the billing page: plan, price, status, renewal, and Manage Subscription."""

from __future__ import annotations

import reflex as rx

from billing_app.state.billing import BillingState


def manage_button() -> rx.Component:
    return rx.button(
        "Manage Subscription",
        on_click=BillingState.open_portal,
        loading=BillingState.portal_loading,
        disabled=BillingState.portal_loading,
        size="3",
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
        manage_button(),
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
    return rx.text("You don't have a subscription yet.", size="3")


def plan_card() -> rx.Component:
    return rx.card(
        rx.cond(
            BillingState.load_error != "",
            rx.callout(BillingState.load_error, color_scheme="red", role="alert"),
            rx.cond(
                BillingState.loaded,
                rx.cond(BillingState.has_subscription, plan_details(), no_subscription()),
                rx.hstack(rx.spinner(), rx.text("Loading your plan…"), align="center"),
            ),
        ),
        width="100%",
        padding="1.5em",
    )
