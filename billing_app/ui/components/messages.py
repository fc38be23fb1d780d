"""Messages in the page: alerts for what went wrong, status lines for what is happening.

Each appears where it concerns (under the buttons, in the card), rendered only while there is
something to say: screen readers announce a role="alert" or role="status" element as it appears.
The page frames (layout.py) hold the two that concern the whole page: the connection's trouble,
and the slot for "the app is unavailable".
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import (
    default_connection_error,
    has_too_many_connection_errors,
)

from billing_app.ui.components.buttons import spinner
from billing_app.ui.components.styles import MUTED

ALERT = "rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200"
UNAVAILABLE_SLOT_ID = "app-unavailable"


def alert(text: rx.Var[str] | str) -> rx.Component:
    """Something went wrong: announced at once (role="alert")."""
    return rx.el.p(text, role="alert", class_name=ALERT)


def status(text: rx.Var[str] | str, *, busy: bool = False) -> rx.Component:
    """Progress or a result: announced politely (role="status"); `busy` adds a spinner."""
    return rx.el.p(
        *([spinner()] if busy else []),
        text,
        role="status",
        class_name="inline-flex items-center gap-2 " + MUTED,
    )


# A banner's look for each role: trouble in red, news in blue.
BANNERS = {
    "alert": "bg-red-50 text-red-800 ring-red-200",
    "status": "bg-blue-50 text-blue-900 ring-blue-200",
}


def banner(text: rx.Var[str] | str, *actions: rx.Component, role: str) -> rx.Component:
    """A notice across the page with the buttons that act on it: role="alert" for trouble (a
    failed payment), role="status" otherwise (a trial, a scheduled end)."""
    return rx.el.div(
        rx.el.p(text, class_name="text-sm font-medium"),
        *actions,
        role=role,
        class_name="flex flex-wrap items-center justify-between gap-3 rounded-lg px-4 py-3 "
                   "ring-1 ring-inset " + BANNERS[role],
    )


def alert_when(text: rx.Var[str]) -> rx.Component:
    """An alert while `text` is not empty."""
    return rx.cond(text != "", alert(text))


def unavailable_slot() -> rx.Component:
    """Hidden until an event fails with no state to hold a message (Redis down): then
    ui/backend_errors.py writes the message in and shows it for a while."""
    return rx.el.p(id=UNAVAILABLE_SLOT_ID, role="alert", hidden=True, class_name=ALERT)


def connection_alert() -> rx.Component:
    """While the page can't reach the backend (twice in a row, as Reflex's own toast waits for):
    "Cannot connect to server: ...", in Reflex's words."""
    return rx.cond(has_too_many_connection_errors,
                   alert(rx.el.span(*default_connection_error())))

