"""/login: email and password."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.states.login import LoginState


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Sign in", size="6"),
                    rx.el.label("Email", html_for="email"),
                    rx.input(id="email", name="email", type="email", auto_complete="email",
                             required=True, width="100%"),
                    rx.el.label("Password", html_for="password"),
                    rx.input(id="password", name="password", type="password",
                             auto_complete="current-password", required=True, width="100%"),
                    rx.cond(
                        LoginState.error != "",
                        rx.callout(LoginState.error, color_scheme="red", role="alert",
                                   width="100%"),
                    ),
                    rx.button("Sign in", type="submit", loading=LoginState.signing_in,
                              width="100%", size="3"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=LoginState.sign_in,
                reset_on_submit=False,
            ),
            width="22em",
            padding="1.5em",
        ),
        min_height="100vh",
    )
