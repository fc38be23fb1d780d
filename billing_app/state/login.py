"""Sign-in: check the password with Supabase on the server, then hand the new session to the
cookie route through a one-time code (see `sign_in_codes.py`)."""

from __future__ import annotations

import logging

import reflex as rx

from billing_app import auth, routes, sign_in_codes
from billing_app.outcomes import UpstreamError
from billing_app.state.session import go_to_backend

logger = logging.getLogger(__name__)

MESSAGES = {
    "expired": "That sign-in took too long. Please sign in again.",
    "unavailable": "We couldn't renew your session just now. Please sign in again.",
}


class LoginState(rx.State):
    error: str = ""
    signing_in: bool = False

    def on_load(self) -> None:
        self.signing_in = False
        self.error = MESSAGES.get(self.router.url.query_parameters.get("error", ""), "")

    async def sign_in(self, form_data: dict):
        email = str(form_data.get("email") or "").strip()
        password = str(form_data.get("password") or "")
        if not email or not password:
            self.error = "Enter your email and password."
            return
        self.signing_in, self.error = True, ""
        yield
        try:
            session = await auth.sign_in(email, password)
        except UpstreamError as exc:
            logger.warning("sign-in: Supabase failed: %s", exc)
            self.signing_in, self.error = False, "Sign-in is unavailable right now. Please try again."
            return
        if session is None:
            self.signing_in, self.error = False, "Wrong email or password."
            return
        next_path = routes.local_path_or_default(self.router.url.query_parameters.get("next"))
        yield go_to_backend(
            routes.API_AUTH_CALLBACK, code=sign_in_codes.issue(session), next=next_path
        )
