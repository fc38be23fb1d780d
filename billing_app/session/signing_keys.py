"""The project's published signing keys (its JWKS), to check access tokens without asking Auth.

Projects on asymmetric JWT signing keys sign access tokens with ES256 (or RS256) and a `kid`, and
publish the public keys at `/auth/v1/.well-known/jwks.json`; a rotated-out key stays there until
it is revoked (Supabase guide "JWT Signing Keys"). The keys are cached for 10 minutes, as
supabase-py's `get_claims` caches them; a `kid` the cache lacks fetches them again, at most once
per REFETCH_AFTER_S, so forged tokens with made-up kids can't turn into a stream of fetches.

Hand-written on PyJWT's `PyJWK`, because neither ready-made client fits: PyJWT's `PyJWKClient`
fetches with blocking urllib, outside the shared pool and its timeouts, and supabase-py's
`get_claims` takes the algorithm from the token's own header, skips the audience, and fetches
the JWKS again for every unknown `kid`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
import jwt

from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError, UpstreamRateLimited
from billing_app.platform.settings import get_settings

JWKS_TTL_S = 600
REFETCH_AFTER_S = 30
# Supabase's access tokens are for this audience; any other is not a user session.
AUDIENCE = "authenticated"


@dataclass
class _Cache:
    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    fetched_at: float | None = None  # time.monotonic() of the last fetch
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


# The lock belongs to one event loop, so each loop keeps its own cache (as clients.py does).
_by_loop: dict[asyncio.AbstractEventLoop, _Cache] = {}


def _cache() -> _Cache:
    loop = asyncio.get_running_loop()
    return _by_loop.setdefault(loop, _Cache())


async def fetch_published_keys() -> dict[str, jwt.PyJWK]:
    """The JWKS's keys this app can use, by `kid` (none for a project on the legacy HS256
    secret). UpstreamError when Auth fails."""
    settings = get_settings()
    try:
        response = await clients.supabase_http().get(
            f"{settings.supabase_url}/auth/v1/.well-known/jwks.json",
            headers={"apikey": settings.supabase_publishable_key.get_secret_value()})
    except httpx.HTTPError as exc:
        raise UpstreamError(f"Supabase Auth's JWKS failed: {type(exc).__name__}") from exc
    if response.status_code == 429:
        raise UpstreamRateLimited("Supabase Auth's JWKS answered 429",
                                  clients.retry_after_s(response.headers))
    if response.status_code != 200:
        raise UpstreamError(f"Supabase Auth's JWKS answered {response.status_code}")
    keys: dict[str, jwt.PyJWK] = {}
    try:
        listed = response.json().get("keys", [])
    except (ValueError, AttributeError) as exc:
        raise UpstreamError("Supabase Auth's JWKS is not a JSON key set") from exc
    for entry in listed:
        try:
            key = jwt.PyJWK(entry)
        except jwt.PyJWKError:
            continue  # a kind of key this app can't use: leave it out
        if key.key_id:
            keys[key.key_id] = key
    return keys


async def key_for(kid: str) -> jwt.PyJWK | None:
    """The published key `kid` names, or None when the JWKS doesn't have it (fetched again
    first, unless it was fetched within REFETCH_AFTER_S). UpstreamError when Auth fails."""
    cache = _cache()
    async with cache.lock:
        age = None if cache.fetched_at is None else time.monotonic() - cache.fetched_at
        fresh = age is not None and age < JWKS_TTL_S
        if fresh and kid in cache.keys:
            return cache.keys[kid]
        if age is None or not fresh or age >= REFETCH_AFTER_S:
            cache.keys = await fetch_published_keys()
            cache.fetched_at = time.monotonic()
        return cache.keys.get(kid)


def claims(token: str, key: jwt.PyJWK) -> dict | None:
    """The token's claims when `key` signed it, it is unexpired and for a signed-in user; None
    otherwise. The algorithm is the key's own, never the one the token names."""
    try:
        found = jwt.decode(token, key.key, algorithms=[key.algorithm_name], audience=AUDIENCE,
                           options={"require": ["exp", "sub", "aud"]})
    except jwt.InvalidTokenError:
        return None
    if found.get("role") != AUDIENCE or not isinstance(found.get("sub"), str):
        return None
    return found
