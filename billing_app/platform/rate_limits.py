"""Per-user rate limits: PORTAL_RATE_LIMIT ("10/minute" unset) for portal sessions.

Counted in the `limits` package's moving window, in Redis when REDIS_URL is set (every instance
shares one count) and in this process's memory otherwise (Reflex runs one worker without Redis).
A store that fails raises `UpstreamError`: a billing action doesn't go ahead unmetered.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import limits
import limits.storage
import limits.strategies
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from billing_app.platform.outcomes import UpstreamError
from billing_app.platform.settings import Settings, get_settings

# Keys in the shared store are named after what they count and whose count it is.
PORTAL_NAMESPACE = "billing-app:portal-session"

T = TypeVar("T")
Storage = RedisStorage | limits.storage.MemoryStorage


@dataclass
class _Limiter:
    storage: Storage
    strategy: MovingWindowRateLimiter | limits.strategies.MovingWindowRateLimiter
    portal: limits.RateLimitItem


# Redis's connection pool belongs to one event loop, so each loop gets its own limiter (as
# clients.py does for the HTTP pools); in memory, that makes one count per loop, as before.
_by_loop: dict[asyncio.AbstractEventLoop, _Limiter] = {}


class InlineExpiryMemoryStorage(limits.storage.MemoryStorage):
    """limits' in-memory store, clearing out old entries at most once a second, inline.

    Its own clean-up starts a new thread every 10 ms while hits come in (`threading.Timer`),
    which cost the portal path about 0.4 ms of CPU per request under load (bench/RESULTS.md);
    its asyncio twin is worse, with a thread hop per user on every hit (`asyncio.to_thread`).
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
        # redis-py, which Reflex already depends on, rather than limits' default client coredis.
        return RedisStorage(f"async+{settings.redis_url}", implementation="redispy",
                            wrap_exceptions=True)
    return InlineExpiryMemoryStorage()


def _current() -> _Limiter:
    loop = asyncio.get_running_loop()
    limiter = _by_loop.get(loop)
    if limiter is None:
        settings = get_settings()
        storage = storage_for(settings)
        strategy = (MovingWindowRateLimiter(storage) if isinstance(storage, RedisStorage)
                    else limits.strategies.MovingWindowRateLimiter(storage))
        limiter = _by_loop[loop] = _Limiter(storage, strategy,
                                            limits.parse(settings.portal_rate_limit))
    return limiter


async def _answer(result: T | Awaitable[T]) -> T:
    """The memory store answers at once; Redis's answer is awaited."""
    return await result if inspect.isawaitable(result) else result


async def portal_wait_s(user_id: str) -> int | None:
    """Count one portal try by this user: None when allowed, else seconds to wait (>= 1)."""
    limiter = _current()
    try:
        if await _answer(limiter.strategy.hit(limiter.portal, PORTAL_NAMESPACE, user_id)):
            return None
        stats = await _answer(
            limiter.strategy.get_window_stats(limiter.portal, PORTAL_NAMESPACE, user_id))
    except StorageError as exc:
        cause = type(exc.storage_error).__name__
        raise UpstreamError(f"the rate-limit store failed: {cause}") from exc
    return max(1, math.ceil(stats.reset_time - time.time()))
