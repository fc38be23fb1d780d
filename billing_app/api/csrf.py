"""Cross-site request forgery checks at the API edge: which browser requests may act with the
session cookies.

- `from_this_site(handler)` wraps every cookie-authenticated POST (portal, checkout, and the
  actions to come): a request that carries a session cookie, and no `Authorization` header,
  must come `from_a_trusted_page`: a page of a trusted origin (the same list as CORS and the
  websocket: platform/origins.py), shown by its `Origin`, or by `Sec-Fetch-Site: same-origin`.
  Otherwise it is 403 `{"error": "Forbidden"}` and nothing runs. SameSite=Lax keeps other
  *sites* out already; this keeps out other origins of the same site (another port, a sibling
  subdomain), which Lax lets through. Bearer calls carry no ambient credential and are exempt.
  Sign-out, which only ever acts on cookies, asks `from_a_trusted_page` of every caller.
- `sent_by_another_site(request)`: a navigation another site started (`Sec-Fetch-Site:
  cross-site`), which the sign-in callback refuses.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from reflex_base.constants import Env
from reflex_base.environment import environment
from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.responses import refused
from billing_app.platform.origins import trusted_origins
from billing_app.platform.outcomes import Outcome
from billing_app.platform.settings import get_settings
from billing_app.session import cookies

Handler = Callable[[Request], Awaitable[Response]]


def _fetch_site(request: Request) -> str:
    return request.headers.get("sec-fetch-site", "").strip().lower()


def sent_by_another_site(request: Request) -> bool:
    return _fetch_site(request) == "cross-site"


def from_a_trusted_page(request: Request) -> bool:
    if _fetch_site(request) == "same-origin":
        return True
    development = environment.REFLEX_ENV_MODE.get() != Env.PROD
    origin = request.headers.get("origin", "").strip().lower()
    return origin in trusted_origins(get_settings().site_url, development)


def from_this_site(handler: Handler) -> Handler:
    """Refuse a cookie-authenticated request that no trusted page sent (see the module doc)."""

    @functools.wraps(handler)
    async def checked(request: Request) -> Response:
        if ("authorization" not in request.headers and cookies.has_session(request.cookies)
                and not from_a_trusted_page(request)):
            return refused(Outcome.CROSS_SITE)
        return await handler(request)

    return checked
