"""With REDIS_URL, sign-in codes live in Redis: a code issued by one process is redeemable by
another, exactly once, and expires after 60 seconds. Real redis-server; each "instance" is its
own connection pool, as two app processes would have."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError
from billing_app.session import codes as sign_in_codes
from billing_app.session.supabase_auth import Session, User
from tests.helpers import RedisServer, free_port

SESSION = Session("access-token", "refresh-token", 1_900_000_000,
                  User("5b6e8c1e-0000-4000-8000-000000000001", "a@example.com"))


RunWithRedis = Callable[[str, Callable[[], Awaitable[Any]]], Any]


@pytest.fixture
def use_redis(monkeypatch) -> RunWithRedis:
    """Run `call` with the app's shared Redis pool pointed at `url`, on a fresh pool (a fresh
    "process")."""

    def run(url: str, call: Callable[[], Awaitable[Any]]) -> Any:
        async def go():
            pool = Redis.from_url(url)
            monkeypatch.setattr(clients, "redis", lambda: pool)
            try:
                return await call()
            finally:
                await pool.aclose()

        return asyncio.run(go())

    return run


def test_a_code_from_one_instance_is_redeemed_once_on_another(redis_server: RedisServer,
                                                              use_redis):
    ticket = use_redis(redis_server.url, lambda: sign_in_codes.issue(SESSION))
    pending = use_redis(redis_server.url, lambda: sign_in_codes.redeem(ticket.code))
    assert pending.session == SESSION and pending.belongs_to(ticket.nonce)
    assert use_redis(redis_server.url, lambda: sign_in_codes.redeem(ticket.code)) is None


def test_redis_keeps_the_nonces_hash_never_the_nonce(redis_server: RedisServer, use_redis):
    ticket = use_redis(redis_server.url, lambda: sign_in_codes.issue(SESSION))
    stored = redis_server.client().get(sign_in_codes.REDIS_KEY_PREFIX + ticket.code)
    assert ticket.nonce.encode() not in stored


def test_racing_redemptions_of_one_code_have_one_winner(redis_server: RedisServer, use_redis):
    code = use_redis(redis_server.url, lambda: sign_in_codes.issue(SESSION)).code

    async def race():
        return await asyncio.gather(*(sign_in_codes.redeem(code) for _ in range(20)))

    results = use_redis(redis_server.url, race)
    assert [r.session for r in results if r is not None] == [SESSION]
    assert results.count(None) == 19


def test_codes_expire_after_sixty_seconds_in_redis(redis_server: RedisServer, use_redis):
    code = use_redis(redis_server.url, lambda: sign_in_codes.issue(SESSION)).code
    key = sign_in_codes.REDIS_KEY_PREFIX + code
    ttl = redis_server.client().ttl(key)
    assert 55 <= ttl <= sign_in_codes.CODE_TTL_S
    redis_server.client().delete(key)  # what the expiry does, without waiting a minute
    assert use_redis(redis_server.url, lambda: sign_in_codes.redeem(code)) is None


def test_redis_down_is_an_upstream_error_not_a_crash(use_redis):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(UpstreamError, match="Redis failed"):
        use_redis(dead, lambda: sign_in_codes.issue(SESSION))
    with pytest.raises(UpstreamError, match="Redis failed"):
        use_redis(dead, lambda: sign_in_codes.redeem("a-code"))
