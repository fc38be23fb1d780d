"""Rate limits, one per `Limit`, each at the rate its setting names:

    PORTAL          PORTAL_RATE_LIMIT         portal sessions per user       ("10/minute" unset)
    SIGN_IN_EMAIL   SIGN_IN_EMAIL_RATE_LIMIT  sign-in attempts per email     ("5/minute")
    SIGN_IN_IP      SIGN_IN_IP_RATE_LIMIT     sign-in attempts per client IP ("20/minute")

Counted in the `limits` package's moving window, in Redis when REDIS_URL is set (every instance
shares one count) and in this process's memory otherwise (Reflex runs one worker without Redis).
A store that fails raises `UpstreamError`: nothing goes ahead unmetered.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from dataclasses import dataclass
from enum import StrEnum

import limits
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from billing_app.platform.outcomes import UpstreamError
from billing_app.platform.settings import Settings, get_settings


class Limit(StrEnum):
    """Each limit by name; the value names its keys in the shared store."""

    PORTAL = "portal-session"
    SIGN_IN_EMAIL = "sign-in-email"
    SIGN_IN_IP = "sign-in-ip"


# The setting that holds each limit's rate.
RATES = {
    Limit.PORTAL: "portal_rate_limit",
    Limit.SIGN_IN_EMAIL: "sign_in_email_rate_limit",
    Limit.SIGN_IN_IP: "sign_in_ip_rate_limit",
}


@dataclass
class _Limiter:
    storage: Storage
    strategy: MovingWindowRateLimiter
    rates: dict[Limit, limits.RateLimitItem]


# The memory store keeps a timer task and Redis a connection pool: both belong to one event loop,
# so each loop gets its own (as clients.py does for the HTTP pools).
_by_loop: dict[asyncio.AbstractEventLoop, _Limiter] = {}


def storage_for(settings: Settings) -> Storage:
    """Redis (shared by every instance) when REDIS_URL is set, else this process's memory."""
    if settings.redis_url:
        # redis-py, which Reflex already depends on, rather than limits' default client coredis.
        return RedisStorage(f"async+{settings.redis_url}", implementation="redispy",
                            wrap_exceptions=True)
    return MemoryStorage()


def _current() -> _Limiter:
    loop = asyncio.get_running_loop()
    limiter = _by_loop.get(loop)
    if limiter is None:
        settings = get_settings()
        storage = storage_for(settings)
        limiter = _by_loop[loop] = _Limiter(
            storage,
            MovingWindowRateLimiter(storage),
            {limit: limits.parse(getattr(settings, setting)) for limit, setting in RATES.items()},
        )
    return limiter


def _store_key(key: str) -> str:
    """What the store holds for `key`: its hash, so the store never holds an email or an IP."""
    return hashlib.sha256(key.encode()).hexdigest()


async def wait_s(limit: Limit, key: str) -> int | None:
    """Count one try of `limit` for `key` (a user id, an email, an IP): None when allowed, else
    the whole seconds to wait (>= 1). A refused try is not counted."""
    limiter = _current()
    rate, namespace, stored = limiter.rates[limit], f"billing-app:{limit.value}", _store_key(key)
    try:
        if await limiter.strategy.hit(rate, namespace, stored):
            return None
        stats = await limiter.strategy.get_window_stats(rate, namespace, stored)
    except StorageError as exc:
        cause = type(exc.storage_error).__name__
        raise UpstreamError(f"the rate-limit store failed: {cause}") from exc
    return max(1, math.ceil(stats.reset_time - time.time()))
