"""The frames pages sit in. Every page's content is inside a landmark: the signed-in header
(<header>: the product, the user's email, Sign out) and <main>."""

from __future__ import annotations

import reflex as rx

from billing_app.platform import paths
from billing_app.ui.components.buttons import submit_button
from billing_app.ui.components.messages import connection_alert, unavailable_slot
from billing_app.ui.components.post_form import post_form
from billing_app.ui.components.styles import MUTED
from billing_app.ui.states.session import SessionState, backend_url

PAGE = "min-h-screen bg-gray-50 text-gray-900 antialiased"


def sign_out_form() -> rx.Component:
    return post_form(submit_button("Sign out", tone="secondary"),
                     action=backend_url(paths.API_AUTH_SIGN_OUT))


def signed_in_page(title: str, *children: rx.Component) -> rx.Component:
    """A signed-in page: the header, then `title` (the page's one <h1>) and `children`."""
    return rx.el.div(
        rx.el.header(
            rx.el.div(
                rx.el.p("Acme", class_name="text-lg font-semibold"),
                rx.el.div(
                    # With the plan, never before it (nor the last visit's, see `loaded`).
                    rx.cond(SessionState.loaded,
                            rx.el.span(SessionState.user_email, class_name=MUTED)),
                    sign_out_form(),
                    class_name="flex items-center gap-4",
                ),
                class_name="mx-auto flex max-w-3xl items-center justify-between px-4 py-3",
            ),
            class_name="border-b border-gray-200 bg-white",
        ),
        rx.el.main(
            connection_alert(),
            unavailable_slot(),
            rx.el.h1(title, class_name="text-2xl font-semibold tracking-tight"),
            *children,
            class_name="mx-auto max-w-3xl space-y-6 px-4 py-8",
        ),
        class_name=PAGE,
    )


def centered_page(*children: rx.Component) -> rx.Component:
    """A page with one thing in the middle (sign-in)."""
    return rx.el.main(
        rx.el.div(connection_alert(), unavailable_slot(), *children,
                  class_name="w-full max-w-sm space-y-4"),
        class_name=PAGE + " flex items-center justify-center px-4",
    )
