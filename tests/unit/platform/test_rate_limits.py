"""The rate limits' counting and where they keep their counts (platform/rate_limits.py).

The limits as users meet them (429, Retry-After, Stripe not called) are tested over HTTP in
tests/integration/api/test_rate_limit.py (Redis shared by instances, and Redis going away and
coming back, too) and, with the actions' decisions, in tests/unit/billing/.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import limits
import limits.strategies
import pytest
from limits.aio.storage import RedisStorage
from limits.storage import MemoryStorage

from billing_app.platform import rate_limits
from billing_app.platform.rate_limits import Limit
from tests.helpers import app_settings

SETTINGS = app_settings(PORTAL_RATE_LIMIT="2/minute", CHECKOUT_RATE_LIMIT="3/minute",
                        SIGN_IN_EMAIL_RATE_LIMIT="3/minute", SIGN_IN_IP_RATE_LIMIT="1/hour")


@pytest.fixture
def settings(monkeypatch):
    current = {"value": SETTINGS}
    monkeypatch.setattr(rate_limits, "get_settings", lambda: current["value"])
    monkeypatch.setattr(rate_limits, "_by_loop", {})
    return current


def tries(limit: Limit, key: str, n: int) -> list[int | None]:
    """n tries within one event loop (the limiter lives per loop)."""
    async def run():
        return [await rate_limits.wait_s(limit, key) for _ in range(n)]
    return asyncio.run(run())


def test_without_redis_the_counts_live_in_this_process():
    assert isinstance(rate_limits.storage_for(SETTINGS), MemoryStorage)


def test_with_redis_every_instance_shares_one_count():
    shared = SETTINGS.model_copy(update={"redis_url": "redis://cache.internal:6379/2"})
    storage = rate_limits.storage_for(shared)
    assert isinstance(storage, RedisStorage)
    assert type(storage.bridge).__name__ == "RedispyBridge"  # redis-py, not coredis


def test_within_the_limit_no_wait_then_a_wait_of_at_most_the_window(settings):
    first, second, third, fourth = tries(Limit.PORTAL, "user-1", 4)
    assert first is None and second is None
    assert 55 <= third <= 60 and 55 <= fourth <= 60


def test_each_limit_has_its_own_rate_and_its_own_count(settings):
    async def both():
        portal = [await rate_limits.wait_s(Limit.PORTAL, "user-1") for _ in range(3)]
        checkout = [await rate_limits.wait_s(Limit.CHECKOUT, "user-1") for _ in range(4)]
        return portal, checkout

    portal, checkout = asyncio.run(both())
    assert [w is None for w in portal] == [True, True, False]
    assert [w is None for w in checkout] == [True, True, True, False]


def test_the_default_rates():
    defaults = app_settings()
    rates = {limit: rate_limits.limits.parse(getattr(defaults, setting)).amount
             for limit, setting in rate_limits.RATES.items()}
    assert rates == {Limit.PORTAL: 10, Limit.CHECKOUT: 5, Limit.INVOICES: 60,
                     Limit.SIGN_IN_EMAIL: 5, Limit.SIGN_IN_IP: 20}


def test_a_failing_shared_store_falls_back_to_counting_in_this_process(settings, caplog):
    """Redis unreachable: the limit still holds, counted by this process alone (README: the
    rate limit while Redis is down), and the log says so."""
    settings["value"] = SETTINGS.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with caplog.at_level(logging.WARNING, logger=rate_limits.logger.name):
        first, second, third = tries(Limit.PORTAL, "user-1", 3)
    assert first is None and second is None and 55 <= third <= 60
    assert "counting in this process" in caplog.text


def test_each_limit_counts_at_its_own_rate_and_keys_apart(settings):
    async def tries():
        email = [await rate_limits.wait_s(Limit.SIGN_IN_EMAIL, "a@example.com") for _ in range(4)]
        other = await rate_limits.wait_s(Limit.SIGN_IN_EMAIL, "b@example.com")
        ip = [await rate_limits.wait_s(Limit.SIGN_IN_IP, "203.0.113.9") for _ in range(2)]
        portal = await rate_limits.wait_s(Limit.PORTAL, "a@example.com")
        return email, other, ip, portal

    email, other, ip, portal = asyncio.run(tries())
    assert email[:3] == [None, None, None] and 55 <= email[3] <= 60
    assert other is None and portal is None  # another key, another limit: counted apart
    assert ip[0] is None and 3590 <= ip[1] <= 3600


def test_every_limit_has_a_setting():
    assert set(rate_limits.RATES) == set(Limit)
    for setting in rate_limits.RATES.values():
        assert rate_limits.limits.parse(getattr(SETTINGS, setting))


def test_the_memory_store_clears_old_entries_inline_and_starts_no_thread():
    storage = rate_limits.storage_for(SETTINGS)
    limiter = limits.strategies.MovingWindowRateLimiter(storage)
    per_second = limits.parse("1/second")
    assert limiter.hit(per_second, "ns", "user-1") and not limiter.hit(per_second, "ns", "user-1")
    time.sleep(1.1)  # past the entry's window, and past EXPIRE_EVERY_S
    assert limiter.hit(per_second, "ns", "user-2")  # this hit clears user-1's old entry
    assert {key.split("/")[2]: len(entries) for key, entries in storage.events.items()} == {
        "user-1": 0, "user-2": 1}
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
