"""Per-user rate limits: PORTAL_RATE_LIMIT ("10/minute" unset) for portal sessions.

Counted in the `limits` package's moving window, in Redis when REDIS_URL is set (every instance
shares one count) and in this process's memory otherwise (Reflex runs one worker without Redis).
A store that fails raises `UpstreamError`: a billing action doesn't go ahead unmetered.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

import limits
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from billing_app.platform.outcomes import UpstreamError
from billing_app.platform.settings import Settings, get_settings

# Keys in the shared store are named after what they count and whose count it is.
PORTAL_NAMESPACE = "billing-app:portal-session"


@dataclass
class _Limiter:
    storage: Storage
    strategy: MovingWindowRateLimiter
    portal: limits.RateLimitItem


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
            limits.parse(settings.portal_rate_limit),
        )
    return limiter


async def portal_wait_s(user_id: str) -> int | None:
    """Count one portal try by this user: None when allowed, else seconds to wait (>= 1)."""
    limiter = _current()
    try:
        if await limiter.strategy.hit(limiter.portal, PORTAL_NAMESPACE, user_id):
            return None
        stats = await limiter.strategy.get_window_stats(limiter.portal, PORTAL_NAMESPACE, user_id)
    except StorageError as exc:
        cause = type(exc.storage_error).__name__
        raise UpstreamError(f"the rate-limit store failed: {cause}") from exc
    return max(1, math.ceil(stats.reset_time - time.time()))
