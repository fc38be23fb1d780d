"""The signed-in session in the browser: two cookies that page JavaScript can't read.

    sb-access-token    the Supabase access token (a JWT, about an hour)
    sb-refresh-token   the Supabase refresh token (single use; Supabase rotates it)

Both are HttpOnly, SameSite=Lax, Path=/, and Secure when SITE_URL is https. Only backend HTTP
routes can write them (an `rx.Cookie` is set by page JavaScript and can't be HttpOnly); state
handlers read them from the websocket handshake's Cookie header.
"""

from __future__ import annotations

import time

import jwt
from starlette.requests import cookie_parser
from starlette.responses import Response

from billing_app.auth import Session

ACCESS_COOKIE = "sb-access-token"
REFRESH_COOKIE = "sb-refresh-token"
# The cookies outlive the access token on purpose: the refresh token renews the session.
COOKIE_MAX_AGE = 30 * 24 * 3600
# Renew a little before expiry, so a token doesn't run out between two calls of one request.
EXPIRY_MARGIN_S = 30


def read(cookie_header: str | None) -> tuple[str | None, str | None]:
    """(access token, refresh token) from a Cookie header; either may be None."""
    cookies = cookie_parser(cookie_header or "")
    return cookies.get(ACCESS_COOKIE) or None, cookies.get(REFRESH_COOKIE) or None


def needs_refresh(access_token: str | None) -> bool:
    """True when the token is missing, unreadable, or (nearly) expired.

    The signature is not checked here; Supabase Auth checks every token anyway. This only saves
    a round trip that would certainly fail.
    """
    if not access_token:
        return True
    try:
        exp = jwt.decode(access_token, options={"verify_signature": False}).get("exp")
    except jwt.InvalidTokenError:
        return True
    return not isinstance(exp, int) or exp - EXPIRY_MARGIN_S <= time.time()


def store(response: Response, session: Session, *, secure: bool) -> None:
    for name, value in ((ACCESS_COOKIE, session.access_token),
                        (REFRESH_COOKIE, session.refresh_token)):
        response.set_cookie(
            name, value, max_age=COOKIE_MAX_AGE, path="/", secure=secure, httponly=True,
            samesite="lax",
        )


def clear(response: Response, *, secure: bool) -> None:
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
