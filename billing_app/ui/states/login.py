"""Sign-in: the password is checked on the server, then the new session goes to the cookie route
through a one-time code, which only this browser can redeem: the page sets the code's nonce in a
cookie before it navigates (session/codes.py). Each attempt leaves one request-log line
("login.sign_in")."""

from __future__ import annotations

import reflex as rx

from billing_app.platform import paths, request_log
from billing_app.platform.outcomes import Outcome, Refusal
from billing_app.session import actions, codes, cookies
from billing_app.session.next_path import local_path_or_default
from billing_app.ui.states.session import forget_the_user, go_to_backend

# What the page says for each refusal: from this sign-in, or from the cookie routes' `?error=`.
# Over the app's own sign-in limits, or Supabase's (a 429), the user waits either way.
TOO_MANY = "Too many sign-in attempts. Try again in {retry_after_s} seconds."
MESSAGES = {
    Outcome.WRONG_CREDENTIALS: "Wrong email or password.",
    Outcome.TOO_MANY_SIGN_INS: TOO_MANY,
    Outcome.RATE_LIMITED: TOO_MANY,
    Outcome.UPSTREAM_FAILED: "Sign-in is unavailable right now. Please try again.",
}
ERROR_PARAM_MESSAGES = {
    "expired": "That sign-in took too long. Please sign in again.",
    "refused": "That sign-in didn't start in this browser. Please sign in here.",
    "unavailable": "Sign-in is unavailable right now. Please try again in a moment.",
}


class LoginState(rx.State):
    error: str = ""
    signing_in: bool = False

    async def on_load(self):
        """Every sign-in, and every sign-out, passes through here: the tab forgets the last
        user's data first."""
        await forget_the_user(self)
        self.signing_in = False
        self.error = ERROR_PARAM_MESSAGES.get(
            self.router.url.query_parameters.get("error", ""), "")

    async def sign_in(self, form_data: dict):
        email = str(form_data.get("email") or "").strip()
        password = str(form_data.get("password") or "")
        if not email or not password:
            self.error = "Enter your email and password."
            return
        self.signing_in, self.error = True, ""
        yield
        with request_log.logged_action("login.sign_in"):
            ticket = await actions.sign_in(email, password,
                                           self.router.session.client_ip or None)
            request_log.note_outcome(ticket.outcome if isinstance(ticket, Refusal)
                                     else Outcome.SIGNED_IN)
        if isinstance(ticket, Refusal):
            message = MESSAGES[ticket.outcome].format(retry_after_s=ticket.retry_after_s)
            self.signing_in, self.error = False, message
            return
        next_path = local_path_or_default(self.router.url.query_parameters.get("next"))
        nonce = cookies.nonce_cookie(rx.config.get_config().api_url)
        yield go_to_backend(paths.API_AUTH_CALLBACK, code=ticket.code, next=next_path,
                            set_cookie=nonce.for_script(ticket.nonce, codes.CODE_TTL_S))
