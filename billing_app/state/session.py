"""The signed-in session as state handlers see it, and how they send the browser elsewhere.

Handlers read the session cookies from the websocket handshake (`router.headers.cookie`); they
can't set them (HttpOnly cookies need an HTTP response), so renewing or storing a session means
a trip through one of the `/api/auth/...` routes.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import reflex as rx

from billing_app import routes, session_cookies


def backend_url(path: str, **query: str) -> str:
    """An absolute address on the backend, where the `/api/...` routes answer."""
    base = rx.config.get_config().api_url.rstrip("/")
    return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")


def go_to_backend(path: str, **query: str) -> rx.event.EventSpec:
    """A full page navigation to a backend route. `rx.redirect` would route a same-host path
    inside the single-page app (as `reflex run --env prod` serves both on one port), where the
    backend never sees it."""
    return rx.call_script(f"window.location.assign({json.dumps(backend_url(path, **query))})")


def login_redirect(next_path: str) -> rx.event.EventSpec:
    return rx.redirect(f"{routes.LOGIN}?{urlencode({'next': next_path})}", replace=True)


class SessionState(rx.State):
    """Base of every signed-in page's state."""

    user_email: str = ""

    def _tokens(self) -> tuple[str | None, str | None]:
        return session_cookies.read(self.router.headers.cookie)

    def _current_path(self) -> str:
        url = self.router.url
        return routes.local_path_or_default(url.path + (f"?{url.query}" if url.query else ""))

    def _renew_or_sign_in(self) -> rx.event.EventSpec | None:
        """Where to send a visitor whose access token is missing or expired; None when it is
        still good. Renewal goes through the backend, which rewrites the cookies."""
        access, refresh = self._tokens()
        if not session_cookies.needs_refresh(access):
            return None
        if refresh:
            return go_to_backend(routes.API_AUTH_REFRESH, next=self._current_path())
        return login_redirect(self._current_path())
