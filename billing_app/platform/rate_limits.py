"""Rate limits, one per `Limit`, each at the rate its setting names:

    PORTAL          PORTAL_RATE_LIMIT         portal sessions per user       ("10/minute" unset)
    CHECKOUT        CHECKOUT_RATE_LIMIT       Subscribe tries per user       ("5/minute")
    INVOICES        INVOICES_RATE_LIMIT       invoice list reads per user    ("60/minute")
    SIGN_IN_EMAIL   SIGN_IN_EMAIL_RATE_LIMIT  sign-in attempts per email     ("5/minute")
    SIGN_IN_IP      SIGN_IN_IP_RATE_LIMIT     sign-in attempts per client IP ("20/minute")

Counted in the `limits` package's moving window, in Redis when REDIS_URL is set (every instance
shares one count) and in this process's memory otherwise (Reflex runs one worker without Redis).
While Redis fails, each process counts in its own memory instead (README: "When Redis is
down"): the limits still hold, per process, and users keep their portal. Failing open would
hand an outage to whoever floods Stripe or Supabase; failing closed would take the portal and
sign-in from everyone.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import math
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

import limits
import limits.storage
import limits.strategies
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from billing_app.platform.outcomes import Refusal, UpstreamError, rate_limited
from billing_app.platform.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# After the shared store fails, count in memory for this long before asking Redis again, so an
# outage costs each request nothing (rather than REDIS_TIMEOUT_S when Redis hangs).
RETRY_SHARED_AFTER_S = 5.0


class Limit(StrEnum):
    """Each limit by name; the value names its keys in the shared store."""

    PORTAL = "portal-session"
    CHECKOUT = "checkout-session"
    INVOICES = "invoice-list"
    SIGN_IN_EMAIL = "sign-in-email"
    SIGN_IN_IP = "sign-in-ip"


# The setting that holds each limit's rate.
RATES = {
    Limit.PORTAL: "portal_rate_limit",
    Limit.CHECKOUT: "checkout_rate_limit",
    Limit.INVOICES: "invoices_rate_limit",
    Limit.SIGN_IN_EMAIL: "sign_in_email_rate_limit",
    Limit.SIGN_IN_IP: "sign_in_ip_rate_limit",
}


T = TypeVar("T")
Storage = RedisStorage | limits.storage.MemoryStorage
# Redis's strategy answers awaitables; the memory store's answers at once.
Strategy = MovingWindowRateLimiter | limits.strategies.MovingWindowRateLimiter


@dataclass
class _Limiter:
    shared: Strategy
    rates: dict[Limit, limits.RateLimitItem]
    local: Strategy | None = None  # while the shared store fails
    shared_failed_at: float = field(default=-math.inf)


# Redis's connection pool belongs to one event loop, so each loop gets its own limiter (as
# clients.py does for the HTTP pools); in memory, that makes one count per loop.
_by_loop: dict[asyncio.AbstractEventLoop, _Limiter] = {}


class InlineExpiryMemoryStorage(limits.storage.MemoryStorage):
    """limits' in-memory store, clearing out old entries at most once a second, inline.

    Its own clean-up starts a new thread every 10 ms while hits come in (`threading.Timer`),
    which cost the portal path about 0.4 ms of CPU per request under load (bench/RESULTS.md);
    its asyncio twin is worse, with a thread hop per key on every hit (`asyncio.to_thread`).
    The clean-up only frees memory: whether a hit is allowed is decided from the entries'
    times, so how often it runs changes no answer. limits has no setting for it; this replaces
    the private method its hits call (limits is pinned in requirements.txt, and
    tests/unit/platform/test_rate_limits.py fails if the override stops being called).
    """

    EXPIRE_EVERY_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._next_expiry = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # the name limits calls
        now = time.monotonic()
        if now >= self._next_expiry:
            self._next_expiry = now + self.EXPIRE_EVERY_S
            self._MemoryStorage__expire_events()


def storage_for(settings: Settings) -> Storage:
    """Redis (shared by every instance) when REDIS_URL is set, else this process's memory (the
    synchronous store: it never waits on I/O, so the event loop may call it directly)."""
    if settings.redis_url:
        # redis-py, which Reflex already depends on, rather than limits' default client coredis;
        # REDIS_TIMEOUT_S bounds every command, so a hung Redis can't hold a click.
        return RedisStorage(f"async+{settings.redis_url}", implementation="redispy",
                            wrap_exceptions=True, socket_timeout=settings.redis_timeout_s,
                            socket_connect_timeout=settings.redis_timeout_s)
    return InlineExpiryMemoryStorage()


def _strategy(storage: Storage) -> Strategy:
    if isinstance(storage, RedisStorage):
        return MovingWindowRateLimiter(storage)
    return limits.strategies.MovingWindowRateLimiter(storage)


def _current() -> _Limiter:
    loop = asyncio.get_running_loop()
    limiter = _by_loop.get(loop)
    if limiter is None:
        settings = get_settings()
        limiter = _by_loop[loop] = _Limiter(
            _strategy(storage_for(settings)),
            {limit: limits.parse(getattr(settings, setting)) for limit, setting in RATES.items()},
        )
    return limiter


async def _answer(result: T | Awaitable[T]) -> T:
    """The memory store answers at once; Redis's answer is awaited."""
    return await result if inspect.isawaitable(result) else result


def _store_key(key: str) -> str:
    """What the store holds for `key`: its hash, so the store never holds an email or an IP."""
    return hashlib.sha256(key.encode()).hexdigest()


async def _count(strategy: Strategy, rate: limits.RateLimitItem, limit: Limit,
                 key: str) -> int | None:
    namespace, stored = f"billing-app:{limit.value}", _store_key(key)
    if await _answer(strategy.hit(rate, namespace, stored)):
        return None
    stats = await _answer(strategy.get_window_stats(rate, namespace, stored))
    return max(1, math.ceil(stats.reset_time - time.time()))


async def wait_s(limit: Limit, key: str) -> int | None:
    """Count one try of `limit` for `key` (a user id, an email, an IP): None when allowed, else
    the whole seconds to wait (>= 1). A refused try is not counted.

    When the shared store fails this counts in this process instead (logged); UpstreamError
    only if that fails too."""
    limiter = _current()
    rate = limiter.rates[limit]
    if time.monotonic() - limiter.shared_failed_at >= RETRY_SHARED_AFTER_S:
        try:
            return await _count(limiter.shared, rate, limit, key)
        except StorageError as exc:
            limiter.shared_failed_at = time.monotonic()
            logger.warning("rate limits: the shared store failed (%s); counting in this "
                           "process for %.0f s", type(exc.storage_error).__name__,
                           RETRY_SHARED_AFTER_S)
    if limiter.local is None:
        limiter.local = _strategy(InlineExpiryMemoryStorage())
    try:
        return await _count(limiter.local, rate, limit, key)
    except StorageError as exc:
        raise UpstreamError(f"the rate-limit store failed: {exc.storage_error!r}") from exc


async def refusal(limit: Limit, key: str) -> Refusal | None:
    """`wait_s` as an action's answer: None when allowed, else RATE_LIMITED with the wait."""
    wait = await wait_s(limit, key)
    if wait is None:
        return None
    logger.info("%s: over %s; %s s to wait", limit.value, RATES[limit].upper(), wait)
    return rate_limited(wait)
