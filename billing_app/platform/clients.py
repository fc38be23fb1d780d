"""The shared, pooled clients for Supabase, Stripe and Redis. Everything upstream goes through these.

One pool per upstream, made once per event loop and closed at shutdown, with keep-alive room for
the expected concurrency; the sockets are aiohttp's, whose pool costs far less CPU under load
than httpcore's (bench/RESULTS.md):
- supabase-py speaks httpx, so its pool is an `httpx.AsyncClient` on httpx-aiohttp's transport;
- stripe-python has an aiohttp client of its own, `stripe.AIOHTTPClient`.

- Supabase keys go where their generation wants them (`key_headers`): a new `sb_` key only in
  `apikey` (it is no JWT, and a Bearer `sb_` key fails Supabase's JWT check; supabase-py would
  send one, so every client here gets its headers explicitly); a legacy JWT key in `apikey`
  and as the Bearer token, as supabase-py sends it.
- `supabase_auth()` is one Auth client on the publishable key. It never signs in, so its headers
  never change and it is safe to share; `new_supabase_auth(client_ip)` is a throwaway one for
  signing in and refreshing (with SUPABASE_FORWARD_CLIENT_IP: on the secret key, naming the
  client's IP in `Sb-Forwarded-For`).
- `user_postgrest(jwt)` carries one user's JWT, built per request on the shared pool (~0.05 ms),
  so RLS sees that user and nobody else. Never shared between users.
- `service_postgrest()` carries the secret (service-role) key and bypasses RLS: for
  `billing.admin`'s writes (and the doctor's read-only schema report) only.
- `stripe()` is one `StripeClient` that retries failed calls STRIPE_MAX_RETRIES times with one
  idempotency key (connection errors, timeouts, 409, 5xx and, see `_StripeHTTPClient`, 429).
- `redis()` is one Redis pool when REDIS_URL is set, else None.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
import stripe as stripe_lib
from httpx_aiohttp import AiohttpTransport
from postgrest import AsyncPostgrestClient
from postgrest.constants import DEFAULT_POSTGREST_CLIENT_HEADERS
from postgrest.exceptions import APIError
from pydantic import SecretStr
from redis.asyncio import Redis
from supabase_auth import AsyncGoTrueClient

from billing_app.platform import request_log
from billing_app.platform.outcomes import UpstreamError
from billing_app.platform.settings import Settings, get_settings, is_new_key

# How long to wait after Supabase answers 429 when it doesn't say (GoTrue sends no
# Retry-After): at GoTrue's default rate a drained /token bucket of 30 refills within a minute.
SUPABASE_BUSY_RETRY_AFTER_S = 60

# Pool sizes: room for ~100 concurrent requests per upstream, kept alive between requests.
POOL_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=60)
CONNECT_TIMEOUT_S = 2.0


class _StripeHTTPClient(stripe_lib.AIOHTTPClient):
    """stripe-python's aiohttp client on a pool sized like ours, 3 s per attempt, that also
    retries Stripe's 429s and tells the request log Stripe's id for each answer."""

    def __init__(self, attempt_timeout_s: float) -> None:
        # Built inside the running loop (see _current), as aiohttp wants; Stripe's own CA bundle,
        # as stripe-python's default client uses.
        connector = aiohttp.TCPConnector(
            limit=POOL_LIMITS.max_connections,
            keepalive_timeout=POOL_LIMITS.keepalive_expiry,
            ssl=ssl.create_default_context(cafile=stripe_lib.ca_bundle_path),
        )
        timeout = aiohttp.ClientTimeout(total=attempt_timeout_s,
                                        connect=min(CONNECT_TIMEOUT_S, attempt_timeout_s))
        super().__init__(timeout=timeout, connector=connector)

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


def _supabase_pool(settings: Settings) -> httpx.AsyncClient:
    def session() -> aiohttp.ClientSession:
        # Made on first use, inside the loop that will run it.
        connector = aiohttp.TCPConnector(limit=POOL_LIMITS.max_connections,
                                         keepalive_timeout=POOL_LIMITS.keepalive_expiry)
        return aiohttp.ClientSession(connector=connector)

    timeout = httpx.Timeout(settings.supabase_timeout_s,
                            connect=min(CONNECT_TIMEOUT_S, settings.supabase_timeout_s))
    return httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(client=session))


def key_headers(key: SecretStr) -> dict[str, str]:
    """The headers that carry a project key: `apikey`, plus the Bearer token for a legacy JWT key
    only (Supabase's "Authorization headers" page; devstack/README.md)."""
    value = key.get_secret_value()
    return {"apikey": value} if is_new_key(key) else {"apikey": value,
                                                       "Authorization": f"Bearer {value}"}


def _auth_client(settings: Settings, http_client: httpx.AsyncClient,
                 client_ip: str | None = None) -> AsyncGoTrueClient:
    headers = key_headers(settings.supabase_publishable_key)
    if client_ip and settings.supabase_forward_client_ip:
        # Supabase Auth's IP address forwarding (supabase/auth internal/sbff): with it enabled
        # in the project, Auth counts the request against this IP's limits. Sent only with the
        # secret key, the key that shows the request comes from this server.
        headers = {**key_headers(settings.supabase_secret_key), "Sb-Forwarded-For": client_ip}
    return AsyncGoTrueClient(
        url=f"{settings.supabase_url}/auth/v1",
        headers=headers,
        http_client=http_client,
        auto_refresh_token=False,
        persist_session=False,
    )


def _build(settings: Settings) -> _Clients:
    supabase_http = _supabase_pool(settings)
    stripe_http = _StripeHTTPClient(settings.stripe_timeout_s)
    base_addresses = {"api": settings.stripe_api_base} if settings.stripe_api_base else {}
    stripe_client = stripe_lib.StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses=base_addresses,
        max_network_retries=settings.stripe_max_retries,
        http_client=stripe_http,
    )
    redis_pool = Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        health_check_interval=30,
    ) if settings.redis_url else None
    return _Clients(supabase_http, stripe_http, _auth_client(settings, supabase_http),
                    stripe_client, redis_pool)


def _current() -> _Clients:
    # httpx pools belong to the event loop that opened their connections, so each loop gets
    # its own set. In the app there is one loop; tests and tools may run more.
    loop = asyncio.get_running_loop()
    clients = _by_loop.get(loop)
    if clients is None:
        clients = _by_loop[loop] = _build(get_settings())
    return clients


def supabase_auth() -> AsyncGoTrueClient:
    """The shared Auth client: verifies tokens and ends sessions, passing each user's JWT."""
    return _current().auth


def new_supabase_auth(client_ip: str | None = None) -> AsyncGoTrueClient:
    """A throwaway Auth client on the shared pool, for signing in and refreshing: signing in
    stores the session in the client, and a shared client would hand one user's session to the
    next request. `client_ip` is forwarded when SUPABASE_FORWARD_CLIENT_IP is on."""
    return _auth_client(get_settings(), supabase_http(), client_ip)


def supabase_http() -> httpx.AsyncClient:
    """The shared Supabase pool."""
    return _current().supabase_http


def user_postgrest(access_token: str) -> AsyncPostgrestClient:
    """PostgREST as this user: their JWT decides, through RLS, which rows exist."""
    settings = get_settings()
    return AsyncPostgrestClient(
        f"{settings.supabase_url}/rest/v1",
        headers={
            **DEFAULT_POSTGREST_CLIENT_HEADERS,
            "apikey": settings.supabase_publishable_key.get_secret_value(),
            "Authorization": f"Bearer {access_token}",
        },
        http_client=supabase_http(),
        # postgrest-py would otherwise retry a 503 with sleeps of 1, 2, 4... s; a click must
        # fail fast and clearly instead.
        retry_enabled=False,
    )


def service_postgrest() -> AsyncPostgrestClient:
    """PostgREST as the service role: past RLS. Only `billing.admin` writes with it (and `make
    doctor` reads its schema report). A new secret key acts as the service role by itself; a
    legacy one is also the Bearer token."""
    settings = get_settings()
    return AsyncPostgrestClient(
        f"{settings.supabase_url}/rest/v1",
        headers={**DEFAULT_POSTGREST_CLIENT_HEADERS, **key_headers(settings.supabase_secret_key)},
        http_client=supabase_http(),
        retry_enabled=False,
    )


def retry_after_s(headers: httpx.Headers | None) -> int:
    """The wait a 429 names in Retry-After (whole seconds), else SUPABASE_BUSY_RETRY_AFTER_S."""
    raw = (headers or {}).get("retry-after", "")
    return max(1, int(raw)) if raw.strip().isdigit() else SUPABASE_BUSY_RETRY_AFTER_S


class RestRefused(UpstreamError):
    """PostgREST answered with an error; `code` is PostgreSQL's or PostgREST's (PGRST...)."""

    def __init__(self, code: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code


async def execute(query: Any, what: str) -> Any:
    """Run a PostgREST query; its failures become UpstreamError (RestRefused when PostgREST
    answered with an error) naming `what` was being done."""
    try:
        return await query.execute()
    except APIError as exc:
        raise RestRefused(exc.code, f"Supabase REST refused {what}: {exc.code} {exc.message}"
                          ) from exc
    except httpx.HTTPError as exc:
        raise UpstreamError(f"Supabase REST failed {what}: {type(exc).__name__}: {exc}") from exc


def stripe() -> stripe_lib.StripeClient:
    return _current().stripe


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
