"""The shared, pooled clients for Supabase and Stripe. Everything upstream goes through these.

One connection pool per upstream, made once per event loop and closed at shutdown: a pool costs
an SSL context (~17 ms) to build, and a fresh pool per request would also pay a new connection
each time. The pools keep enough idle connections for the expected concurrency (httpx's
default of 20 keep-alive connections makes them churn under load).

The sockets are aiohttp's, because its pool costs far less CPU under load than httpcore's
(httpx's own transport re-checks every pooled connection on each request through anyio's
attribute lookups):
- supabase-py speaks httpx, so its pool is an `httpx.AsyncClient` on httpx-aiohttp's transport
  (at 20 concurrent users an auth check plus a row read cost 2.2-2.4 ms of CPU this way against
  13-15 ms on httpcore);
- stripe-python has an aiohttp client of its own, `stripe.AIOHTTPClient`, which skips httpx's
  request and response objects as well (0.8 ms of CPU per portal session against 1.6 ms on
  httpx-aiohttp). See bench/RESULTS.md.

- `supabase_auth()` is one Auth client on the anon key. It never signs in, so its headers never
  change and it is safe to share: it only verifies tokens (`get_user(jwt)`) and signs sessions
  out (`admin.sign_out(jwt)`), passing each user's JWT per call.
- `user_postgrest(jwt)` is a PostgREST client carrying one user's JWT, built per request on the
  shared pool (~0.05 ms), so RLS sees that user and nobody else. Never shared between users.
- `service_postgrest()` carries the service-role key and bypasses RLS: for `admin.py` only.
- `stripe()` is one `StripeClient`, which retries failed calls twice with one idempotency key:
  connection errors and timeouts, 409, 5xx, and (our addition, see `_StripeHTTPClient`)
  429. Each attempt has 3 s; with the library's back-off a call that keeps failing ends within
  about 10 s. Each of its answers hands Stripe's `Request-Id` to the request log
  (request_log.py).
- `redis()` is one Redis connection pool when REDIS_URL is set (None without it): the state
  several instances share, such as sign-in codes (sign_in_codes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import httpx
import stripe as stripe_lib
from httpx_aiohttp import AiohttpTransport
from postgrest import AsyncPostgrestClient
from postgrest.constants import DEFAULT_POSTGREST_CLIENT_HEADERS
from redis.asyncio import Redis
from supabase_auth import AsyncGoTrueClient

from billing_app import request_log
from billing_app.settings import Settings, get_settings

# Pool sizes: room for ~100 concurrent requests per upstream, kept alive between requests.
POOL_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=60)
# Supabase calls are quick; a stuck one must not hold a user for long.
SUPABASE_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
# Each Stripe attempt gets 3 s; with two retries and their back-off the whole call stays near 10 s.
STRIPE_ATTEMPT_TIMEOUT = aiohttp.ClientTimeout(total=3.0, connect=2.0)
STRIPE_RETRIES = 2
# Redis answers in well under a millisecond when it is healthy; waiting longer helps nobody.
REDIS_TIMEOUT_S = 2.0


class _StripeHTTPClient(stripe_lib.AIOHTTPClient):
    """stripe-python's aiohttp client on a pool sized like ours, 3 s per attempt, that also
    retries Stripe's 429s and tells the request log Stripe's id for each answer."""

    def __init__(self) -> None:
        # Built inside the running loop (see _current), as aiohttp wants; Stripe's own CA bundle,
        # as stripe-python's default client uses.
        connector = aiohttp.TCPConnector(
            limit=POOL_LIMITS.max_connections,
            keepalive_timeout=POOL_LIMITS.keepalive_expiry,
            ssl=ssl.create_default_context(cafile=stripe_lib.ca_bundle_path),
        )
        super().__init__(timeout=STRIPE_ATTEMPT_TIMEOUT, connector=connector)

    async def request_async(self, method, url, headers, post_data=None):
        content, status, response_headers = await super().request_async(
            method, url, headers, post_data
        )
        request_log.note_stripe_request(response_headers.get("request-id"))
        return content, status, response_headers

    def _should_retry(self, response, api_connection_error, num_retries, max_network_retries):
        # stripe-python retries a 429 only when Stripe adds `Stripe-Should-Retry: true` (its lock
        # timeouts). A rate-limited portal click is worth the library's short back-off too (0.5
        # then 1 s, jittered), and the retry carries the same Idempotency-Key, so it can't make
        # a second session. `Stripe-Should-Retry: false` still wins. The library has no setting
        # for this, so this overrides the private method its retry loop asks (stripe is pinned
        # in requirements.txt, and tests/integration/test_faults.py fails if this stops working).
        if super()._should_retry(response, api_connection_error, num_retries,
                                 max_network_retries):
            return True
        if response is None or num_retries >= (max_network_retries or 0):
            return False
        _, status, headers = response
        told = (headers or {}).get("stripe-should-retry")
        return status == 429 and told != "false"


@dataclass
class _Clients:
    supabase_http: httpx.AsyncClient
    stripe_http: _StripeHTTPClient
    auth: AsyncGoTrueClient
    stripe: stripe_lib.StripeClient
    redis: Redis | None

    async def aclose(self) -> None:
        await self.supabase_http.aclose()
        await self.stripe_http.close_async()
        if self.redis is not None:
            await self.redis.aclose()


_by_loop: dict[asyncio.AbstractEventLoop, _Clients] = {}


def _supabase_pool() -> httpx.AsyncClient:
    def session() -> aiohttp.ClientSession:
        # Made on first use, inside the loop that will run it.
        connector = aiohttp.TCPConnector(limit=POOL_LIMITS.max_connections,
                                         keepalive_timeout=POOL_LIMITS.keepalive_expiry)
        return aiohttp.ClientSession(connector=connector)

    return httpx.AsyncClient(timeout=SUPABASE_TIMEOUT, transport=AiohttpTransport(client=session))


def _build(settings: Settings) -> _Clients:
    supabase_http = _supabase_pool()
    stripe_http = _StripeHTTPClient()
    anon = settings.supabase_anon_key
    auth = AsyncGoTrueClient(
        url=f"{settings.supabase_url}/auth/v1",
        headers={"apikey": anon, "Authorization": f"Bearer {anon}"},
        http_client=supabase_http,
        auto_refresh_token=False,
        persist_session=False,
    )
    base_addresses = {"api": settings.stripe_api_base} if settings.stripe_api_base else {}
    stripe_client = stripe_lib.StripeClient(
        settings.stripe_secret_key,
        base_addresses=base_addresses,
        max_network_retries=STRIPE_RETRIES,
        http_client=stripe_http,
    )
    redis_pool = Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
        health_check_interval=30,
    ) if settings.redis_url else None
    return _Clients(supabase_http, stripe_http, auth, stripe_client, redis_pool)


def _current() -> _Clients:
    # httpx pools belong to the event loop that opened their connections, so each loop gets
    # its own set. In the app there is one loop; tests and tools may run more.
    loop = asyncio.get_running_loop()
    clients = _by_loop.get(loop)
    if clients is None:
        clients = _by_loop[loop] = _build(get_settings())
    return clients


def supabase_auth() -> AsyncGoTrueClient:
    return _current().auth


def supabase_http() -> httpx.AsyncClient:
    """The shared Supabase pool, for clients that must be built per call (see auth.py)."""
    return _current().supabase_http


def user_postgrest(access_token: str) -> AsyncPostgrestClient:
    """PostgREST as this user: their JWT decides, through RLS, which rows exist."""
    settings = get_settings()
    return AsyncPostgrestClient(
        f"{settings.supabase_url}/rest/v1",
        headers={
            **DEFAULT_POSTGREST_CLIENT_HEADERS,
            "apikey": settings.supabase_anon_key,
            "Authorization": f"Bearer {access_token}",
        },
        http_client=supabase_http(),
        # postgrest-py would otherwise retry a 503 with sleeps of 1, 2, 4... s; a click must
        # fail fast and clearly instead.
        retry_enabled=False,
    )


def service_postgrest() -> AsyncPostgrestClient:
    """PostgREST as the service role: past RLS. Only `admin.py` may call this."""
    settings = get_settings()
    key = settings.supabase_service_role_key
    return AsyncPostgrestClient(
        f"{settings.supabase_url}/rest/v1",
        headers={**DEFAULT_POSTGREST_CLIENT_HEADERS, "apikey": key, "Authorization": f"Bearer {key}"},
        http_client=supabase_http(),
        retry_enabled=False,
    )


def stripe() -> stripe_lib.StripeClient:
    return _current().stripe


def describe_stripe_error(exc: stripe_lib.StripeError) -> str:
    """A Stripe failure for the server log: its kind, message, code, status and Stripe's
    request id (Stripe masks keys in its messages; nothing here comes from our secrets)."""
    return (f"{type(exc).__name__} {exc.user_message!r} (code={exc.code}, "
            f"status={exc.http_status}, request={exc.request_id})")


def redis() -> Redis | None:
    """The shared Redis pool, or None when REDIS_URL is unset (one instance, state in-process)."""
    return _current().redis


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """Registered with the app: close this loop's pools when the server stops."""
    try:
        yield
    finally:
        clients = _by_loop.pop(asyncio.get_running_loop(), None)
        if clients is not None:
            await clients.aclose()
