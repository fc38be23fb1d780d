"""A native HTML form that the browser submits itself, as a POST to a backend route.

Reflex's `rx.el.form` always cancels the browser's submit and turns it into a Reflex event, but
signing out must be a real POST to `/api/auth/sign_out`: only an HTTP response can clear the
HttpOnly session cookies, and a GET link would let any site sign a user out.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class PostForm(BaseHTML):
    tag = "form"

    action: rx.Var[str]
    method: rx.Var[str]


def post_form(*children: rx.Component, action: str) -> rx.Component:
    return PostForm.create(*children, action=action, method="post")
