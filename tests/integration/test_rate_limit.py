"""The portal's per-user rate limit as users meet it, on an instance with the default setting
(PORTAL_RATE_LIMIT unset: 10 a minute), reached over HTTPS as in production.

Past the limit the answer is 429 with Retry-After, and the Stripe stand-in's record shows that
Stripe was not asked. (The button's toast is in tests/e2e/test_https_browser.py.)
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import HttpsApp
from tests.helpers import Devstack

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
