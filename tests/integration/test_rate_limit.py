"""The portal's per-user rate limit as users meet it, on an instance with the default setting
(PORTAL_RATE_LIMIT unset: 10 a minute), reached over HTTPS as in production.

Past the limit the answer is 429 with Retry-After, and the Stripe stand-in's record shows that
Stripe was not asked. (The button's toast is in tests/e2e/test_https_browser.py.) And with
REDIS_URL, separate instances count against one limit, in a real redis-server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import httpx
import pytest

from billing_app import rate_limits
from billing_app.settings import Settings
from tests.helpers import Devstack, HttpsApp, RedisServer

DEFAULT_LIMIT = 10


@pytest.fixture
def subscriber(make_user, stripe_client):
    customer = stripe_client.v1.customers.create(params={"email": "limited@example.com"})
    return make_user(with_row=True, stripe_customer_id=customer.id), customer.id


def portal(https_app: HttpsApp, token: str) -> httpx.Response:
    return httpx.post(f"{https_app.url}/api/customer_portal", timeout=30,
                      verify=https_app.front.client_context(),
                      headers={"Authorization": f"Bearer {token}"})


def test_the_eleventh_session_in_a_minute_is_429_with_retry_after_and_no_stripe_call(
    https_app: HttpsApp, devstack: Devstack, subscriber
):
    user, customer = subscriber
    answers = [portal(https_app, user.access_token) for _ in range(DEFAULT_LIMIT)]
    assert [a.status_code for a in answers] == [200] * DEFAULT_LIMIT
    refused = portal(https_app, user.access_token)
    assert (refused.status_code, refused.json()) == (429, {"error": "Too many requests"})
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["cache-control"] == "no-store"
    sessions = devstack.portal_sessions(customer)
    assert [s["url"] for s in sessions] == [a.json()["url"] for a in answers]


def test_one_users_limit_leaves_others_alone(https_app: HttpsApp, devstack: Devstack, make_user,
                                             stripe_client):
    made = []
    for _ in range(2):
        customer = stripe_client.v1.customers.create(params={"email": "pair@example.com"})
        made.append((make_user(with_row=True, stripe_customer_id=customer.id), customer.id))
    (busy, _), (other, other_customer) = made
    for _ in range(DEFAULT_LIMIT):
        portal(https_app, busy.access_token)
    assert portal(https_app, busy.access_token).status_code == 429
    response = portal(https_app, other.access_token)
    assert response.status_code == 200
    assert devstack.portal_sessions(other_customer)[-1]["url"] == response.json()["url"]


def tries_in_a_new_instance(user_id: str, n: int) -> list[int | None]:
    """n tries in a fresh event loop: its own limiter and its own store connection, as another
    instance of the app would have."""
    async def tries() -> list[int | None]:
        return [await rate_limits.portal_wait_s(user_id) for _ in range(n)]
    return asyncio.run(tries())


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "memory"])
def test_with_redis_every_instance_counts_against_one_limit(
    redis_server: RedisServer, monkeypatch, shared: bool
):
    settings = Settings(
        supabase_url="https://x.supabase.co", supabase_anon_key="a",
        supabase_service_role_key="s", stripe_secret_key="sk_test_1",
        stripe_webhook_secret="whsec_1", stripe_portal_config_id=None, stripe_price_id=None,
        stripe_api_base=None, site_url="https://app.example.com", portal_rate_limit="3/minute")
    if shared:
        settings = dataclasses.replace(settings, redis_url=redis_server.url)
    monkeypatch.setattr(rate_limits, "get_settings", lambda: settings)
    monkeypatch.setattr(rate_limits, "_by_loop", {})
    user_id = str(uuid.uuid4())
    assert tries_in_a_new_instance(user_id, 2) == [None, None]
    second = tries_in_a_new_instance(user_id, 2)
    if shared:
        assert second[0] is None and 55 <= second[1] <= 60
    else:  # without Redis each instance has its own count: the reason to set REDIS_URL
        assert second == [None, None]
