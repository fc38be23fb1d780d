"""The portal's per-user rate limit as users meet it, in-process with the default setting
(PORTAL_RATE_LIMIT unset: 10 a minute).

Past the limit the answer is 429 with Retry-After, and the Stripe stand-in's record shows that
Stripe was not asked. (The button's message is in tests/e2e/test_https_browser.py.) And with
REDIS_URL, separate instances count against one limit, in a real redis-server.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from billing_app.platform import rate_limits
from tests.helpers import Devstack, RedisServer, app_settings
from tests.in_process import InProcessApp, running

DEFAULT_LIMIT = 10


@pytest.fixture(scope="module")
def api(stack, demo_users):
    """The app with PORTAL_RATE_LIMIT unset (blank), as most deployments run it."""
    with running(stack, PORTAL_RATE_LIMIT="") as app:
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


def tries_in_a_new_instance(user_id: str, n: int) -> list[int | None]:
    """n tries in a fresh event loop: its own limiter and its own store connection, as another
    instance of the app would have."""
    async def tries() -> list[int | None]:
        return [await rate_limits.wait_s(rate_limits.Limit.PORTAL, user_id) for _ in range(n)]
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
