"""Sign-in: check the password with Supabase on the server, then hand the new session to the
cookie route through a one-time code (see `sign_in_codes.py`). Each attempt leaves one line in
the request log (route "login.sign_in": the user's id when it worked, never the email)."""

from __future__ import annotations

import logging

import reflex as rx

from billing_app import auth, request_log, routes, sign_in_codes
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
        code = await self._sign_in_code(email, password)
        if code is None:
            self.signing_in = False
            return
        next_path = routes.local_path_or_default(self.router.url.query_parameters.get("next"))
        yield go_to_backend(routes.API_AUTH_CALLBACK, code=code, next=next_path)

    async def _sign_in_code(self, email: str, password: str) -> str | None:
        """A one-time code holding the new session; None, with `error` saying why, when the
        credentials are wrong or Supabase (or Redis) fails."""
        with request_log.logged_action("login.sign_in") as record:
            try:
                session = await auth.sign_in(email, password)
                if session is None:
                    record.status, record.outcome = 401, "wrong_credentials"
                    self.error = "Wrong email or password."
                    return None
                record.user_id = session.user.id
                code = await sign_in_codes.issue(session)
            except UpstreamError as exc:
                logger.warning("sign-in: %s", exc)
                record.status, record.outcome = 503, "unavailable"
                self.error = "Sign-in is unavailable right now. Please try again."
                return None
            record.status, record.outcome = 200, "signed_in"
            return code
