"""The signed-in session in the browser: two HttpOnly cookies, their names, values and attributes.

    sb-access-token    the Supabase access token (a JWT, about an hour)
    sb-refresh-token   the Supabase refresh token (single use; Supabase rotates it)

Both are HttpOnly, SameSite=Lax, Path=/, and Secure when SITE_URL is https. Only backend HTTP
routes can write them (`api.responses` does); state handlers read them from the websocket
handshake's Cookie header.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from billing_app.platform.tokens import unverified_claims
from billing_app.session.supabase_auth import Session

ACCESS_COOKIE = "sb-access-token"
REFRESH_COOKIE = "sb-refresh-token"
NAMES = (ACCESS_COOKIE, REFRESH_COOKIE)
# The cookies outlive the access token on purpose: the refresh token renews the session.
MAX_AGE_S = 30 * 24 * 3600
# Renew a little before expiry, so a token doesn't run out between two calls of one request.
EXPIRY_MARGIN_S = 30


def read(cookies: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(access token, refresh token) from the request's cookies; either may be None."""
    return cookies.get(ACCESS_COOKIE) or None, cookies.get(REFRESH_COOKIE) or None


def values(session: Session) -> dict[str, str]:
    """What each cookie holds for this session."""
    return {ACCESS_COOKIE: session.access_token, REFRESH_COOKIE: session.refresh_token}


def needs_refresh(access_token: str | None) -> bool:
    """True when the token is missing, unreadable, or (nearly) expired.

    The signature is not checked here; Supabase Auth checks every token anyway. This only saves
    a round trip that would certainly fail.
    """
    exp = unverified_claims(access_token).get("exp") if access_token else None
    return not isinstance(exp, int) or exp - EXPIRY_MARGIN_S <= time.time()
