"""/login: email and password."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.buttons import submit_button
from billing_app.ui.components.card import card
from billing_app.ui.components.fields import text_field
from billing_app.ui.components.layout import centered_page
from billing_app.ui.components.messages import alert_when
from billing_app.ui.states.login import LoginState


def login_page() -> rx.Component:
    return centered_page(
        card(
            rx.el.h1("Sign in", class_name="text-xl font-semibold"),
            rx.el.form(
                text_field("Email", name="email", type="email", auto_complete="email",
                           required=True),
                text_field("Password", name="password", type="password",
                           auto_complete="current-password", required=True),
                alert_when(LoginState.error),
                rx.el.div(submit_button("Sign in", busy=LoginState.signing_in),
                          class_name="flex flex-col"),
                on_submit=LoginState.sign_in,
                reset_on_submit=False,
                class_name="space-y-4",
            ),
            label="Sign in",
            class_name="space-y-4",
        ),
    )
