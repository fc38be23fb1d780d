"""Is this instance alive, and can it serve users right now? For load balancers and orchestrators.

- Liveness (`GET /api/health`) checks nothing but the process itself: a slow upstream must never
  get healthy instances restarted.
- Readiness (`GET /api/ready`, `check_dependencies()`) asks each dependency one cheap question,
  all at once, through the shared clients, each within READY_TIMEOUT_S:
    supabase   Supabase Auth's health endpoint (GET /auth/v1/health with the anon key)
    stripe     one authenticated read (the first portal configuration), with no retries
    redis      PING, only when REDIS_URL is set (sign-in codes and Reflex state live there)
  A dependency that errs, answers non-2xx or takes longer is "failing". Answers name
  dependencies only; the cause goes to the server log as an exception type, never a key, a URL
  or an upstream's message.
  The answer is kept for READY_CACHE_S and one check runs at a time, so requests to the
  (anonymous) route can't spend the Stripe account's rate limit, which every user shares.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from billing_app.platform import clients
from billing_app.platform.settings import get_settings

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = 2.0
READY_CACHE_S = 10.0


async def _supabase() -> None:
    settings = get_settings()
    response = await clients.supabase_http().get(
        f"{settings.supabase_url}/auth/v1/health",
        headers={"apikey": settings.supabase_publishable_key.get_secret_value()},
        timeout=READY_TIMEOUT_S,
    )
    response.raise_for_status()


async def _stripe() -> None:
    # A probe that retried would outlast the time limit and hide a flapping Stripe.
    await clients.stripe().v1.billing_portal.configurations.list_async(
        params={"limit": 1}, options={"max_network_retries": 0}
    )


async def _redis() -> None:
    redis = clients.redis()
    if redis is not None:
        await redis.ping()


def _checks() -> dict[str, Callable[[], Awaitable[None]]]:
    checks = {"supabase": _supabase, "stripe": _stripe}
    if clients.redis() is not None:
        checks["redis"] = _redis
    return checks


async def _check_now() -> dict[str, bool]:
    checks = _checks()
    results = await asyncio.gather(
        *(asyncio.wait_for(check(), READY_TIMEOUT_S) for check in checks.values()),
        return_exceptions=True,
    )
    answers: dict[str, bool] = {}
    for name, result in zip(checks, results, strict=True):
        answers[name] = not isinstance(result, BaseException)
        if isinstance(result, BaseException):
            logger.warning("ready: %s is failing (%s)", name, type(result).__name__)
    return answers


@dataclass
class _Kept:
    answers: dict[str, bool] | None = None
    checked_at: float = -math.inf
    running: asyncio.Future[dict[str, bool]] | None = None


# The running check is a task of one event loop, so each loop keeps its own (as clients.py does).
_by_loop: dict[asyncio.AbstractEventLoop, _Kept] = {}


async def _check_and_keep(kept: _Kept) -> dict[str, bool]:
    try:
        kept.answers = await _check_now()
        kept.checked_at = time.monotonic()
        return kept.answers
    finally:
        kept.running = None


async def check_dependencies() -> dict[str, bool]:
    """Each dependency's name -> whether it answered well within READY_TIMEOUT_S, as last
    checked (at most READY_CACHE_S ago). Callers arriving while a check runs wait for it."""
    kept = _by_loop.setdefault(asyncio.get_running_loop(), _Kept())
    if kept.answers is not None and time.monotonic() - kept.checked_at < READY_CACHE_S:
        return kept.answers
    if kept.running is None:
        kept.running = asyncio.ensure_future(_check_and_keep(kept))
    # Shielded: a caller that goes away doesn't cancel the check the others wait for.
    return await asyncio.shield(kept.running)
