"""Supabase Auth: who owns an access token, password sign-in, refresh, and ending a session.

A refused token or password is an ordinary answer (None); Supabase failing (5xx, timeouts)
raises `UpstreamError`, and a 429 `UpstreamRateLimited` with the wait.

Two ways to know who owns a token:
- `verify()` asks Supabase on every call (GET /auth/v1/user), so a forged, expired or
  signed-out token is refused even when its signature looks fine. Actions (portal, checkout)
  use it.
- `verify_locally()` checks an asymmetrically signed token (ES256/RS256 with a `kid`) against
  the project's JWKS (`signing_keys`), with no Auth round trip: page loads use it. It can't
  see a sign-out, so a signed-out token passes until it expires (SECURITY.md). A legacy HS256
  token, or one whose `kid` the JWKS lacks, goes to `verify()`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import httpx
import jwt
from supabase_auth.errors import AuthApiError, AuthError
from supabase_auth.types import AuthResponse

from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError, UpstreamRateLimited
from billing_app.session import signing_keys

T = TypeVar("T")

# Supabase access tokens are a few hundred bytes; anything this long is not one.
MAX_TOKEN_LENGTH = 8192


@dataclass(frozen=True)
class User:
    id: str
    email: str


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    expires_at: int
    user: User


async def _ask(call: Awaitable[T]) -> T | None:
    """Await one Supabase Auth call: its result; None when Supabase refuses the credentials
    (a 4xx other than 429); UpstreamError when Supabase fails."""
    try:
        return await call
    except AuthApiError as exc:
        if exc.status == 429:
            answer = exc.__cause__.response if isinstance(exc.__cause__,
                                                          httpx.HTTPStatusError) else None
            raise UpstreamRateLimited(
                f"Supabase Auth answered 429 ({exc.code})",
                clients.retry_after_s(answer.headers if answer is not None else None)) from exc
        if 400 <= exc.status < 500:
            return None
        raise UpstreamError(f"Supabase Auth answered {exc.status} ({exc.code})") from exc
    except (AuthError, httpx.HTTPError) as exc:
        raise UpstreamError(f"Supabase Auth failed: {type(exc).__name__}: {exc}") from exc


def _session(result: AuthResponse | None) -> Session | None:
    s = result.session if result is not None else None
    if s is None or s.user is None:
        return None
    return Session(s.access_token, s.refresh_token, int(s.expires_at or 0),
                   User(s.user.id, s.user.email or ""))


def _unusable(token: str | None) -> bool:
    return not token or len(token) > MAX_TOKEN_LENGTH


async def verify(access_token: str | None) -> User | None:
    """The user this access token belongs to, or None if Supabase refuses it."""
    if _unusable(access_token):
        return None
    found = await _ask(clients.supabase_auth().get_user(access_token))
    if found is None or found.user is None:
        return None
    return User(found.user.id, found.user.email or "")


async def verify_locally(access_token: str | None) -> User | None:
    """The user this access token belongs to, checked against the JWKS without asking Auth when
    the token is asymmetrically signed; else as `verify()` checks it."""
    if _unusable(access_token):
        return None
    try:
        header = jwt.get_unverified_header(access_token)
    except jwt.InvalidTokenError:
        return None
    kid = header.get("kid")
    if header.get("alg") == "HS256" or not isinstance(kid, str):
        return await verify(access_token)  # symmetric: only Auth holds the secret
    key = await signing_keys.key_for(kid)
    if key is None:
        return await verify(access_token)  # not in the JWKS (yet): Auth decides
    claims = signing_keys.claims(access_token, key)
    if claims is None:
        return None
    return User(claims["sub"], claims.get("email") or "")


async def sign_in(email: str, password: str, client_ip: str | None = None) -> Session | None:
    """A new session for these credentials, or None when they are wrong. `client_ip` reaches
    Supabase only with SUPABASE_FORWARD_CLIENT_IP on."""
    return _session(await _ask(
        clients.new_supabase_auth(client_ip).sign_in_with_password(
            {"email": email, "password": password})
    ))


async def refresh(refresh_token: str | None, client_ip: str | None = None) -> Session | None:
    """Trade a refresh token for a new session (Supabase rotates the refresh token)."""
    if _unusable(refresh_token):
        return None
    return _session(await _ask(
        clients.new_supabase_auth(client_ip).refresh_session(refresh_token)))


async def sign_out(access_token: str | None) -> None:
    """End this session at Supabase. A token Supabase already refuses needs no ending."""
    if not _unusable(access_token):
        await _ask(clients.supabase_auth().admin.sign_out(access_token, scope="local"))
