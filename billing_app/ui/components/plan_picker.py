"""The billing page's plan picker: a Monthly / Yearly switch when both are on offer, and each
plan with its name, price and a "Subscribe to <product>" button."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.buttons import action_button
from billing_app.ui.components.card import card
from billing_app.ui.components.skeleton import skeleton
from billing_app.ui.components.styles import FOCUS_RING
from billing_app.ui.states import stages
from billing_app.ui.states.billing import BillingState
from billing_app.ui.states.plans import PlansState

_SWITCH = "rounded-md px-3 py-1.5 text-sm font-medium " + FOCUS_RING
SWITCH_TONES = {
    "on": _SWITCH + " bg-indigo-600 text-white",
    "off": _SWITCH + " text-gray-700 hover:bg-gray-100",
}


def _switch_button(option: rx.Var[dict[str, str]]) -> rx.Component:
    chosen = PlansState.interval == option["interval"]
    return rx.el.button(
        option["label"],
        type="button",
        aria_pressed=chosen,
        on_click=PlansState.show_interval(option["interval"]),
        class_name=rx.cond(chosen, SWITCH_TONES["on"], SWITCH_TONES["off"]),
    )


def _interval_switch() -> rx.Component:
    """Toggle buttons (aria-pressed): each is a Tab stop, Enter or Space chooses."""
    return rx.cond(
        PlansState.intervals.length() > 1,
        rx.el.div(
            rx.foreach(PlansState.intervals, _switch_button),
            role="group",
            aria_label="Billing interval",
            class_name="inline-flex gap-1 rounded-lg bg-gray-50 p-1 ring-1 ring-gray-200",
        ),
    )


def _plan(plan: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.el.li(
        rx.el.div(
            rx.el.h3(plan["name"], class_name="text-base font-semibold"),
            rx.el.p(plan["price_text"], class_name="text-sm text-gray-700"),
        ),
        action_button("Subscribe to " + plan["name"].to(str),
                      on_click=BillingState.subscribe_to(plan["price"]),
                      busy=(BillingState.running == "subscribe")
                      & (BillingState.chosen_price == plan["price"]),
                      disabled=BillingState.acting),
        class_name="flex flex-wrap items-center justify-between gap-3 rounded-md p-4 ring-1 "
                   "ring-gray-200",
    )


def plan_picker() -> rx.Component:
    return card(
        rx.el.h2("Choose a plan", class_name="text-lg font-semibold"),
        rx.cond(
            PlansState.stage == stages.SHOWN,
            rx.el.div(
                _interval_switch(),
                rx.el.ul(rx.foreach(PlansState.shown_plans, _plan), class_name="space-y-3"),
                class_name="space-y-4",
            ),
            skeleton("Loading plans…"),
        ),
        label="Choose a plan",
        class_name="space-y-3",
    )
