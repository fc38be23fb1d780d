"""The signed-in session as state handlers see it, and how they send the browser elsewhere.

Handlers read the session cookies from the websocket handshake; they can't set them (HttpOnly
cookies need an HTTP response), so renewing or storing a session is a trip through one of the
`/api/auth/...` routes.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlencode

import reflex as rx
from babel import Locale
from starlette.requests import cookie_parser

from billing_app.billing import locales
from billing_app.platform import paths
from billing_app.platform.outcomes import Refusal
from billing_app.session import actions
from billing_app.session.next_path import local_path_or_default


def backend_url(path: str, **query: str) -> str:
    """An absolute address on the backend, where the `/api/...` routes answer."""
    base = rx.config.get_config().api_url.rstrip("/")
    return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")


def go_to_backend(path: str, *, set_cookie: str | None = None,
                  **query: str) -> rx.event.EventSpec:
    """A full page navigation to a backend route, after setting `set_cookie` (a
    `document.cookie` string) if given. `rx.redirect` would route a same-host path inside the
    single-page app (as `reflex run --env prod` serves both on one port), where the backend
    never sees it."""
    script = f"window.location.assign({json.dumps(backend_url(path, **query))})"
    if set_cookie:
        script = f"document.cookie = {json.dumps(set_cookie)}; {script}"
    return rx.call_script(script)


def login_redirect(next_path: str) -> rx.event.EventSpec:
    return rx.redirect(f"{paths.LOGIN}?{urlencode({'next': next_path})}", replace=True)


class SessionState(rx.State):
    """Base of every signed-in page's state."""

    user_email: str = ""
    # The connection the page's data (the user, the plan) was read on. A tab's states outlive a
    # page load, and the new page hydrates with them before its on_load runs; a page load opens
    # a new connection, so the last visit's data doesn't count as loaded, and the page shows its
    # placeholders, not the last visit's plan, until this visit's is read.
    _loaded_on: str = ""

    @rx.var(cache=False)
    def loaded(self) -> bool:
        """The page's data was read on this page's own connection."""
        return self._loaded_on != "" and self._loaded_on == self.router.session.session_id

    def _mark_loaded(self) -> None:
        self._loaded_on = self.router.session.session_id

    def _cookies(self) -> dict[str, str]:
        return cookie_parser(self.router.headers.cookie or "")

    def _user_locale(self) -> Locale | None:
        """The browser's language: the languages its page wrote into a cookie (see
        components/languages.py), else the websocket handshake's Accept-Language. Also what
        Stripe's pages are shown in (None: Stripe picks)."""
        written = unquote(self._cookies().get(locales.LANGUAGES_COOKIE, ""))
        return (locales.from_accept_language(written)
                or locales.from_accept_language(self.router.headers.accept_language))

    def _display_locale(self) -> Locale:
        """How this page writes numbers, currencies and dates."""
        return self._user_locale() or locales.DEFAULT

    def _current_path(self) -> str:
        url = self.router.url
        return local_path_or_default(url.path + (f"?{url.query}" if url.query else ""))

    def _access_or_elsewhere(self) -> str | rx.event.EventSpec:
        """The access token to act with; or, when it is missing or expired, where to send the
        visitor: the backend's renewal (which rewrites the cookies), else sign-in."""
        access = actions.page_access(self._cookies())
        if not isinstance(access, Refusal):
            return access
        if access == actions.NEEDS_RENEWAL:
            return go_to_backend(paths.API_AUTH_REFRESH, next=self._current_path())
        return login_redirect(self._current_path())


async def forget_the_user(state: rx.State) -> None:
    """Empty every state that holds a signed-in user's data: SessionState and each state built
    on it (the plan, the payment details, the invoices, the plans on offer, and any added later).

    A tab keeps its states on the server across page loads, and a page's first answer (Reflex's
    hydrate) shows them before its on_load runs: without this, the next person to sign in
    in the same tab would see the last user's plan, card and invoices for a moment."""
    for cls in (SessionState, *SessionState.get_substates()):
        (await state.get_state(cls)).reset()

