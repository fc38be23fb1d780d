"""What the routes and page states ask of the session. Each answers a named result; the callers
only translate it (cookies and redirects for the routes, messages and navigation for the pages).

    sign_in(email, password, client_ip)  a Ticket (code + nonce) | WRONG_CREDENTIALS |
                                  TOO_MANY_SIGN_INS | RATE_LIMITED | UPSTREAM_FAILED
    finish_sign_in(code, nonce)   the Session     | CODE_EXPIRED | OTHER_BROWSER | UPSTREAM_FAILED
    renew(refresh_token, client_ip)  the Session  | REFRESH_REFUSED | RATE_LIMITED |
                                  UPSTREAM_FAILED
    sign_out(access, refresh, client_ip)  SIGNED_OUT (the cookies go, even when Supabase is down)
    api_caller(authorization, cookies, client_ip)   a Caller | REFRESH_REFUSED | RATE_LIMITED |
                                  UPSTREAM_FAILED
    page_access(cookies)          the access token | NEEDS_RENEWAL | NOT_AUTHENTICATED
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from billing_app.platform import rate_limits, request_log
from billing_app.platform.outcomes import (
    NOT_AUTHENTICATED,
    Outcome,
    Refusal,
    UpstreamError,
    guarded,
)
from billing_app.platform.rate_limits import Limit
from billing_app.session import codes, cookies, supabase_auth
from billing_app.session.codes import Ticket
from billing_app.session.supabase_auth import Session

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = Refusal(Outcome.WRONG_CREDENTIALS)
CODE_EXPIRED = Refusal(Outcome.CODE_EXPIRED)
OTHER_BROWSER = Refusal(Outcome.OTHER_BROWSER)
REFRESH_REFUSED = Refusal(Outcome.REFRESH_REFUSED)
NEEDS_RENEWAL = Refusal(Outcome.NEEDS_RENEWAL)


async def _sign_in_wait_s(email: str, client_ip: str | None) -> int | None:
    """Count this attempt against the client's address, then its email: the seconds to wait
    when either is used up. Counted before Supabase is asked, whose per-IP bucket this server's
    sign-ins and refreshes all share (README: Signing in)."""
    tries = [(Limit.SIGN_IN_IP, client_ip), (Limit.SIGN_IN_EMAIL, email.strip().lower())]
    for limit, key in tries:
        if key and (wait_s := await rate_limits.wait_s(limit, key)) is not None:
            logger.info("sign_in: over the %s limit; %s s to wait", limit.value, wait_s)
            return wait_s
    return None


@guarded("sign_in")
async def sign_in(email: str, password: str, client_ip: str | None = None) -> Ticket | Refusal:
    """Check the password with Supabase (unless this address or email is over its sign-in
    limit); keep the new session under a one-time code, bound to the nonce that the signing-in
    browser must keep in a cookie."""
    if (wait_s := await _sign_in_wait_s(email, client_ip)) is not None:
        return Refusal(Outcome.TOO_MANY_SIGN_INS, wait_s)
    session = await supabase_auth.sign_in(email, password, client_ip)
    if session is None:
        return WRONG_CREDENTIALS
    request_log.note_user(session.user.id)
    return await codes.issue(session)


def _session_or(session: Session | None, refusal: Refusal) -> Session | Refusal:
    if session is None:
        return refusal
    request_log.note_user(session.user.id)
    return session


@guarded("auth_callback")
async def finish_sign_in(code: str | None, nonce: str | None) -> Session | Refusal:
    """The session a one-time code holds, once, for the browser holding the code's nonce. A
    code brought by any other browser is spent and signs no one in."""
    pending = await codes.redeem(code)
    if pending is None:
        return CODE_EXPIRED
    if not pending.belongs_to(nonce):
        logger.warning("auth_callback: a sign-in code came from another browser than the one "
                       "that signed in (user %s)", pending.session.user.id)
        return OTHER_BROWSER
    return _session_or(pending.session, CODE_EXPIRED)


@guarded("auth_refresh")
async def renew(refresh_token: str | None, client_ip: str | None = None) -> Session | Refusal:
    """A new session for a refresh token (Supabase rotates it)."""
    return _session_or(await supabase_auth.refresh(refresh_token, client_ip), REFRESH_REFUSED)


async def sign_out(access_token: str | None, refresh_token: str | None,
                   client_ip: str | None = None) -> Outcome:
    """End the session at Supabase, so that its refresh token is dead too. Supabase ends a
    session only for a live access token, so an expired one is renewed first (which also spends
    the old refresh token). The caller clears the cookies whatever happens here."""
    try:
        if cookies.needs_refresh(access_token) and refresh_token:
            renewed = await supabase_auth.refresh(refresh_token, client_ip)
            if renewed is None:
                return Outcome.SIGNED_OUT  # Supabase knows no session for it: nothing to end
            access_token = renewed.access_token
        await supabase_auth.sign_out(access_token)
    except UpstreamError as exc:
        # The session at Supabase then lives on until its refresh token goes unused.
        logger.warning("sign_out: %s", exc)
    return Outcome.SIGNED_OUT


@dataclass(frozen=True)
class Caller:
    """Who an API request acts as: the access token to use (None when it sent none), and the
    session renewed on the way, whose cookies the answer must carry."""

    access_token: str | None
    renewed: Session | None = None


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for any other scheme."""
    scheme, _, token = authorization.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


async def api_caller(authorization: str | None, jar: Mapping[str, str],
                     client_ip: str | None = None) -> Caller | Refusal:
    """The Bearer token when an Authorization header is sent (cURL, fetch); else the session
    cookies, renewed first when the access token has expired."""
    if authorization is not None:
        return Caller(bearer_token(authorization))
    access, refresh = cookies.read(jar)
    if not cookies.needs_refresh(access) or not refresh:
        return Caller(access)
    renewed = await renew(refresh, client_ip)
    return Caller(renewed.access_token, renewed) if isinstance(renewed, Session) else renewed


def page_access(jar: Mapping[str, str]) -> str | Refusal:
    """The access token a page may use now. NEEDS_RENEWAL when it has expired and a refresh
    token can renew it (through the backend, which rewrites the cookies)."""
    access, refresh = cookies.read(jar)
    if not cookies.needs_refresh(access):
        return access
    return NEEDS_RENEWAL if refresh else NOT_AUTHENTICATED
