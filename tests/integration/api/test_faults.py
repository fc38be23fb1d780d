"""Stripe, Supabase Auth, PostgREST and PostgreSQL failing under POST /api/customer_portal.

Faults are injected through the stand-ins' control routes (devstack/faults.py), and PostgreSQL
is really stopped. Every failure must end in the documented 500 (a 429 from Supabase Auth: the
documented 429) within the clients' time bounds, never in a 200 or a 404 made of wrong data,
and the app must recover by itself once the dependency is back. The Stripe stand-in's record of every /v1 request shows the retries and the
Idempotency-Key each carried. (The webhook's all-or-nothing writes under faults are in
test_stripe_webhook.py.)

The app runs in-process with its timeouts shrunk (STRIPE_TIMEOUT_S, SUPABASE_TIMEOUT_S), so a
hung dependency costs a second, not the production default; the bounds follow from them.
"""

from __future__ import annotations

import time

import pytest

from devstack.config import StackConfig
from devstack.postgres import Cluster
from tests.helpers import Devstack, bearer
from tests.in_process import InProcessApp, running

FAILED = {"error": "Failed to create portal session"}
PORTAL_PATH = "/v1/billing_portal/sessions"
STRIPE_TIMEOUT_S = 1.0
SUPABASE_TIMEOUT_S = 1.0
# Three attempts (STRIPE_MAX_RETRIES=2) of at most STRIPE_TIMEOUT_S each, with stripe-python's
# back-off sleeps of 0.5 s and 0.5-1 s between them, plus the Supabase calls and overhead.
STRIPE_BOUND_S = 3 * STRIPE_TIMEOUT_S + 1.5 + 1.5
# Three attempts that each wait out the timeout can't end sooner than this.
THREE_TIMEOUTS_S = 3 * STRIPE_TIMEOUT_S
# The two Supabase calls run at the same time, each within SUPABASE_TIMEOUT_S.
SUPABASE_BOUND_S = SUPABASE_TIMEOUT_S + 1.5


@pytest.fixture(scope="module")
def api(stack, demo_users):
    with running(stack, PORTAL_RATE_LIMIT="1000/minute", STRIPE_TIMEOUT_S=str(STRIPE_TIMEOUT_S),
                 SUPABASE_TIMEOUT_S=str(SUPABASE_TIMEOUT_S)) as app:
        yield app


@pytest.fixture
def customer_user(make_user, stripe_client):
    """A fresh user whose row names a real customer at the Stripe stand-in."""

    def make():
        customer = stripe_client.v1.customers.create(params={"email": "faults@example.com"})
        return make_user(with_row=True, stripe_customer_id=customer.id), customer.id

    return make


def timed_post(app: InProcessApp, token: str):
    started = time.monotonic()
    response = app.post_portal(headers=bearer(token))
    return response, time.monotonic() - started


def portal_attempts(devstack: Devstack, since: float) -> list[dict]:
    return [r for r in devstack.stripe_requests(path=PORTAL_PATH, since=since)
            if r["method"] == "POST"]


# A Stripe 500 is not among these: Stripe saves it for the Idempotency-Key and says
# `Stripe-Should-Retry: false`, so it is tried once (the test after these two).
@pytest.mark.parametrize("mode", ["down", "rate_limit", "timeout"])
def test_a_failing_stripe_is_tried_three_times_with_one_idempotency_key_then_500(
    api: InProcessApp, no_faults: Devstack, customer_user, mode: str
):
    user, customer = customer_user()
    no_faults.stripe_fault(mode)
    since = time.time()
    response, elapsed = timed_post(api, user.access_token)
    print(f"\nStripe {mode} on every try: 500 after {elapsed:.2f} s")
    assert (response.status_code, response.json()) == (500, FAILED)
    assert elapsed < STRIPE_BOUND_S
    if mode == "timeout":
        assert elapsed >= THREE_TIMEOUTS_S
    attempts = portal_attempts(no_faults, since)
    assert len(attempts) == 3
    keys = {a["idempotency_key"] for a in attempts}
    assert len(keys) == 1 and None not in keys and "" not in keys
    assert no_faults.portal_sessions(customer) == []


@pytest.mark.parametrize("mode", ["down", "rate_limit", "timeout"])
def test_a_stripe_fault_that_clears_within_the_retries_makes_exactly_one_session(
    api: InProcessApp, no_faults: Devstack, customer_user, mode: str
):
    user, customer = customer_user()
    no_faults.stripe_fault(mode, times=2)
    since = time.time()
    response, elapsed = timed_post(api, user.access_token)
    print(f"\nStripe {mode} on two tries: {response.status_code} after {elapsed:.2f} s")
    assert response.status_code == 200
    assert elapsed < STRIPE_BOUND_S
    attempts = portal_attempts(no_faults, since)
    assert len(attempts) == 3 and len({a["idempotency_key"] for a in attempts}) == 1
    assert attempts[-1]["status"] == 200
    assert [s["url"] for s in no_faults.portal_sessions(customer)] == [response.json()["url"]]


def test_a_stripe_500_is_tried_once_and_the_next_click_makes_the_session(
    api: InProcessApp, no_faults: Devstack, customer_user
):
    user, customer = customer_user()
    no_faults.stripe_fault("error", times=1)
    since = time.time()
    response, _ = timed_post(api, user.access_token)
    assert (response.status_code, response.json()) == (500, FAILED)
    # Retrying under the same key would only replay the saved 500.
    assert [a["status"] for a in portal_attempts(no_faults, since)] == [500]
    response, _ = timed_post(api, user.access_token)  # a new click, a new key
    assert response.status_code == 200
    attempts = portal_attempts(no_faults, since)
    assert [a["status"] for a in attempts] == [500, 200]
    assert attempts[0]["idempotency_key"] != attempts[1]["idempotency_key"]
    assert [s["url"] for s in no_faults.portal_sessions(customer)] == [response.json()["url"]]


def test_when_stripe_comes_back_the_next_click_works(api: InProcessApp, no_faults: Devstack,
                                                     customer_user):
    user, customer = customer_user()
    no_faults.stripe_fault("down")
    assert timed_post(api, user.access_token)[0].status_code == 500
    no_faults.clear_faults()
    response, _ = timed_post(api, user.access_token)
    assert response.status_code == 200
    assert [s["url"] for s in no_faults.portal_sessions(customer)] == [response.json()["url"]]


@pytest.mark.parametrize("kind", ["auth", "rest"])
@pytest.mark.parametrize("mode", ["error", "down", "rate_limit", "timeout"])
def test_a_failing_supabase_is_the_documented_500_and_then_recovers(
    api: InProcessApp, no_faults: Devstack, customer_user, kind: str, mode: str
):
    user, customer = customer_user()
    no_faults.supabase_fault(kind, mode)
    since = time.time()
    response, elapsed = timed_post(api, user.access_token)
    # Not 401 (the token is fine) and not 404 (the row exists): Supabase failed, so 500; when
    # Auth rate-limits, the 429 that says how long to wait.
    if (kind, mode) == ("auth", "rate_limit"):
        assert (response.status_code, response.json()) == (429, {"error": "Too many requests"})
        assert response.headers["retry-after"] == "60"  # GoTrue names no wait
    else:
        assert (response.status_code, response.json()) == (500, FAILED)
    assert elapsed < SUPABASE_BOUND_S
    assert portal_attempts(no_faults, since) == []  # Stripe was never asked
    no_faults.clear_faults()
    response, _ = timed_post(api, user.access_token)
    assert response.status_code == 200
    assert [s["url"] for s in no_faults.portal_sessions(customer)] == [response.json()["url"]]


def test_postgresql_stopped_is_the_documented_500_and_started_again_works(
    stack: StackConfig, api: InProcessApp, no_faults: Devstack, customer_user
):
    user, customer = customer_user()
    cluster = Cluster(stack)
    cluster.stop()
    try:
        response, elapsed = timed_post(api, user.access_token)
        assert (response.status_code, response.json()) == (500, FAILED)
        assert elapsed < SUPABASE_BOUND_S
    finally:
        cluster.start()
    response, _ = timed_post(api, user.access_token)
    assert response.status_code == 200
    assert [s["url"] for s in no_faults.portal_sessions(customer)] == [response.json()["url"]]
