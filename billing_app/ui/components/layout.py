"""The frame around signed-in pages: a header with the user's email and Sign out."""

from __future__ import annotations

import reflex as rx

from billing_app.platform import paths
from billing_app.ui.components.post_form import post_form
from billing_app.ui.states.session import SessionState, backend_url


def sign_out_form() -> rx.Component:
    return post_form(
        rx.button("Sign out", type="submit", variant="soft", color_scheme="gray"),
        action=backend_url(paths.API_AUTH_SIGN_OUT),
    )


def signed_in_page(title: str, *children: rx.Component) -> rx.Component:
    return rx.container(
        rx.hstack(
            rx.heading("Acme", size="5"),
            rx.spacer(),
            rx.text(SessionState.user_email, color_scheme="gray", size="2"),
            sign_out_form(),
            align="center",
            width="100%",
            padding_y="1em",
        ),
        rx.heading(title, size="7", margin_bottom="0.5em"),
        *children,
        size="2",
    )
