"""The billing page's Invoices section: a table of the last invoices (date, amount, status, a
link to Stripe's hosted invoice page in a new tab), a skeleton while they load, a quiet line if
they can't be read."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.badge import badge
from billing_app.ui.components.card import card
from billing_app.ui.components.messages import status
from billing_app.ui.components.skeleton import skeleton
from billing_app.ui.components.styles import FOCUS_RING, MUTED
from billing_app.ui.states import stages
from billing_app.ui.states.invoices import InvoicesState

CELL = "py-2 pr-4 text-left"


def _row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row["date"], class_name=CELL),
        rx.el.td(row["amount"], class_name=CELL + " tabular-nums"),
        rx.el.td(badge(row["status"], row["tone"]), class_name=CELL),
        rx.el.td(
            rx.cond(
                row["url"] != "",
                rx.el.a(
                    "View invoice",
                    # Said to screen readers: which invoice, and that a tab opens.
                    rx.el.span(" from ", row["date"], " (opens in a new tab)",
                               class_name="sr-only"),
                    href=row["url"],
                    target="_blank",
                    rel="noopener",
                    class_name="font-medium text-indigo-700 underline hover:text-indigo-500 "
                               "rounded-sm " + FOCUS_RING,
                ),
            ),
            class_name="py-2 text-right",
        ),
        class_name="border-t border-gray-100",
    )


def _table() -> rx.Component:
    return rx.cond(
        InvoicesState.rows.length() > 0,
        rx.el.table(
            rx.el.thead(rx.el.tr(
                rx.el.th("Date", scope="col", class_name=CELL + " font-medium"),
                rx.el.th("Amount", scope="col", class_name=CELL + " font-medium"),
                rx.el.th("Status", scope="col", class_name=CELL + " font-medium"),
                rx.el.th(rx.el.span("Link", class_name="sr-only"), scope="col"),
                class_name=MUTED,
            )),
            rx.el.tbody(rx.foreach(InvoicesState.rows, _row)),
            class_name="w-full text-sm",
        ),
        rx.el.p("No invoices yet.", class_name=MUTED),
    )


def invoices_card() -> rx.Component:
    return card(
        rx.el.h2("Invoices", class_name="text-lg font-semibold"),
        rx.match(
            InvoicesState.stage,
            (stages.SHOWN, _table()),
            (stages.FAILED, status("Couldn't load invoices.")),
            skeleton("Loading invoices…"),
        ),
        label="Invoices",
        class_name="space-y-3",
    )
