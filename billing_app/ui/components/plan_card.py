"""The plan card of the billing page: plan, price, status, renewal, and the ways to Stripe (the
portal's home page, its Change plan and Cancel plan flows, Checkout)."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.badge import badge
from billing_app.ui.components.buttons import action_button
from billing_app.ui.components.card import card
from billing_app.ui.components.messages import alert, alert_when, status
from billing_app.ui.components.skeleton import skeleton
from billing_app.ui.components.styles import MUTED
from billing_app.ui.states import stages
from billing_app.ui.states.billing import BillingState
from billing_app.ui.states.plans import PlansState


def stripe_button(label: str, handler: rx.event.EventHandler, tone: str = "primary"
                  ) -> rx.Component:
    """A button that runs `handler`: a spinner while it runs, and every such button waits."""
    return action_button(label, on_click=handler, tone=tone,
                         busy=BillingState.running == handler.fn.__name__,
                         disabled=BillingState.acting)


def manage_button() -> rx.Component:
    return stripe_button("Manage Subscription", BillingState.open_portal)


def subscribe_button() -> rx.Component:
    """Subscribe to the default price: only while the plan picker can't show the plans."""
    return rx.cond(PlansState.stage == stages.FAILED,
                   stripe_button("Subscribe", BillingState.subscribe))


def plan_buttons() -> rx.Component:
    """Change plan and Cancel plan open the portal on that one step, for a live subscription
    (a cancelled one is resumed from its banner instead)."""
    return rx.cond(
        BillingState.live,
        rx.fragment(
            stripe_button("Change plan", BillingState.change_plan, tone="secondary"),
            rx.cond(~BillingState.cancellation_scheduled,
                    stripe_button("Cancel plan", BillingState.cancel_plan, tone="secondary")),
        ),
    )


def plan_details() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.h2(BillingState.plan_label, class_name="text-lg font-semibold"),
            badge(BillingState.status_label, BillingState.status_color),
            class_name="flex items-center gap-3",
        ),
        rx.el.p(BillingState.price_text, class_name="text-base"),
        rx.el.p(BillingState.renewal_text, class_name=MUTED),
        rx.el.div(manage_button(), plan_buttons(),
                  rx.cond(BillingState.can_subscribe, subscribe_button()),
                  class_name="flex flex-wrap gap-3 pt-1"),
        rx.el.p("Change plan, cancel, update your card or download invoices in Stripe's "
                "secure customer portal.", class_name="text-xs text-gray-600"),
        class_name="space-y-2",
    )


def no_subscription() -> rx.Component:
    return rx.el.div(
        rx.el.p("You don't have a subscription yet."),
        subscribe_button(),
        class_name="space-y-3",
    )


def plan_card() -> rx.Component:
    return card(
        rx.cond(
            BillingState.loaded,
            rx.cond(
                BillingState.load_error != "",
                alert(BillingState.load_error),
                rx.el.div(
                    rx.cond(BillingState.has_subscription, plan_details(), no_subscription()),
                    alert_when(BillingState.action_error),
                    rx.cond(BillingState.updating, status("Updating…", busy=True)),
                    class_name="space-y-3",
                ),
            ),
            skeleton("Loading your plan…"),
        ),
        label="Your plan",
    )
