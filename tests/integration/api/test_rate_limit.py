"""The per-user rate limits as users meet them, in-process with the default settings
(PORTAL_RATE_LIMIT unset: 10 a minute; CHECKOUT_RATE_LIMIT unset: 5 a minute).

Past a limit the answer is 429 with Retry-After, and the Stripe stand-in's record shows that
Stripe was not asked. (The button's message is in tests/e2e/test_https_browser.py.) With
REDIS_URL, separate instances count against one limit, in a real redis-server; while that
Redis is down each instance counts alone, and the shared count resumes when it is back.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from billing_app.platform import rate_limits
from billing_app.platform.rate_limits import Limit
from tests.helpers import Devstack, RedisServer, app_settings, start_redis
from tests.in_process import InProcessApp, running

DEFAULT_LIMIT = 10
DEFAULT_CHECKOUT_LIMIT = 5


@pytest.fixture(scope="module")
def api(stack, demo_users):
    """The app with the limits unset (blank), as most deployments run it."""
    with running(stack, PORTAL_RATE_LIMIT="", CHECKOUT_RATE_LIMIT="") as app:
        yield app


@pytest.fixture
def subscriber(make_user, stripe_client):
    customer = stripe_client.v1.customers.create(params={"email": "limited@example.com"})
    return make_user(with_row=True, stripe_customer_id=customer.id), customer.id


def portal(api: InProcessApp, token: str) -> httpx.Response:
    return api.post_portal(headers={"Authorization": f"Bearer {token}"})


def test_the_eleventh_session_in_a_minute_is_429_with_retry_after_and_no_stripe_call(
    api: InProcessApp, devstack: Devstack, subscriber
):
    user, customer = subscriber
    answers = [portal(api, user.access_token) for _ in range(DEFAULT_LIMIT)]
    assert [a.status_code for a in answers] == [200] * DEFAULT_LIMIT
    refused = portal(api, user.access_token)
    assert (refused.status_code, refused.json()) == (429, {"error": "Too many requests"})
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["cache-control"] == "no-store"
    sessions = devstack.portal_sessions(customer)
    assert [s["url"] for s in sessions] == [a.json()["url"] for a in answers]


def test_one_users_limit_leaves_others_alone(api: InProcessApp, devstack: Devstack, make_user,
                                             stripe_client):
    made = []
    for _ in range(2):
        customer = stripe_client.v1.customers.create(params={"email": "pair@example.com"})
        made.append((make_user(with_row=True, stripe_customer_id=customer.id), customer.id))
    (busy, _), (other, other_customer) = made
    for _ in range(DEFAULT_LIMIT):
        portal(api, busy.access_token)
    assert portal(api, busy.access_token).status_code == 429
    response = portal(api, other.access_token)
    assert response.status_code == 200
    assert devstack.portal_sessions(other_customer)[-1]["url"] == response.json()["url"]


def test_the_sixth_checkout_in_a_minute_is_429_with_retry_after_and_no_stripe_call(
    api: InProcessApp, devstack: Devstack, make_user
):
    """Subscribe calls Stripe up to three times a click (customer, session); unmetered, one
    user could spend the account's Stripe rate limit, which every other user shares."""
    user = make_user()
    headers = {"Authorization": f"Bearer {user.access_token}"}
    answers = [api.post("/api/checkout_sessions", headers=headers)
               for _ in range(DEFAULT_CHECKOUT_LIMIT)]
    assert [a.status_code for a in answers] == [200] * DEFAULT_CHECKOUT_LIMIT
    started = time.time()
    refused = api.post("/api/checkout_sessions", headers=headers)
    assert (refused.status_code, refused.json()) == (429, {"error": "Too many requests"})
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert devstack.stripe_requests(since=started) == []


def tries_in_a_new_instance(user_id: str, n: int) -> list[int | None]:
    """n tries in a fresh event loop: its own limiter and its own store connection, as another
    instance of the app would have."""
    async def tries() -> list[int | None]:
        return [await rate_limits.wait_s(Limit.PORTAL, user_id) for _ in range(n)]
    return asyncio.run(tries())


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "memory"])
def test_with_redis_every_instance_counts_against_one_limit(
    redis_server: RedisServer, monkeypatch, shared: bool
):
    settings = app_settings(PORTAL_RATE_LIMIT="3/minute",
                            REDIS_URL=redis_server.url if shared else "")
    monkeypatch.setattr(rate_limits, "get_settings", lambda: settings)
    monkeypatch.setattr(rate_limits, "_by_loop", {})
    user_id = str(uuid.uuid4())
    assert tries_in_a_new_instance(user_id, 2) == [None, None]
    second = tries_in_a_new_instance(user_id, 2)
    if shared:
        assert second[0] is None and 55 <= second[1] <= 60
    else:  # without Redis each instance has its own count: the reason to set REDIS_URL
        assert second == [None, None]


def test_while_redis_is_down_each_instance_counts_alone_then_shares_again(
    tmp_path, monkeypatch
):
    """The limit fails over to this process's memory, not open (no limit) and not closed (no
    portal): see README, "When Redis is down"."""
    redis = start_redis(tmp_path / "redis")
    settings = app_settings(PORTAL_RATE_LIMIT="3/minute", REDIS_URL=redis.url)
    monkeypatch.setattr(rate_limits, "get_settings", lambda: settings)
    monkeypatch.setattr(rate_limits, "_by_loop", {})
    try:
        user_id = str(uuid.uuid4())
        assert tries_in_a_new_instance(user_id, 2) == [None, None]  # counted in Redis
        redis.stop()
        started = time.monotonic()
        down = tries_in_a_new_instance(user_id, 4)
        assert time.monotonic() - started < 4 * settings.redis_timeout_s
        assert down[:3] == [None] * 3 and 55 <= down[3] <= 60  # counted in this process
        redis.start()  # empty: it keeps nothing on disk
        assert tries_in_a_new_instance(user_id, 2) == [None, None]
        back = tries_in_a_new_instance(user_id, 2)  # another instance, one count again
        assert back[0] is None and 55 <= back[1] <= 60
    finally:
        redis.stop()


def test_the_shared_store_holds_no_email_or_ip(redis_server: RedisServer, monkeypatch):
    settings = app_settings(REDIS_URL=redis_server.url)
    monkeypatch.setattr(rate_limits, "get_settings", lambda: settings)
    monkeypatch.setattr(rate_limits, "_by_loop", {})

    async def one_try():
        return await rate_limits.wait_s(rate_limits.Limit.SIGN_IN_EMAIL, "private@example.com")

    assert asyncio.run(one_try()) is None
    names = [k.decode() for k in redis_server.client().keys("*")]
    assert any("sign-in-email" in k for k in names)
    assert not any("private@example.com" in k for k in names)
