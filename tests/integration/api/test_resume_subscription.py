"""POST /api/subscription/resume, in-process against the stand-ins: a scheduled cancellation
undone at Stripe for the caller's own subscription (from their row, never the request), the
row following through the webhook, and the 401, 403, 404, 405, 429 and 500 answers.

The stand-in keeps its events to itself here (`held_webhooks`), so the test sees that the action
itself never writes the row, then delivers the events as Stripe would.
"""

from __future__ import annotations

import time

import pytest

from devstack import seed
from devstack.config import StackConfig
from tests.helpers import Devstack, bearer, paying_subscriber
from tests.in_process import InProcessApp, running
from tests.stripe_events import deliver, events_for

pytestmark = pytest.mark.usefixtures("held_webhooks")

RESUME = "/api/subscription/resume"
LIMIT = 3


@pytest.fixture(scope="module")
def api(stack: StackConfig, demo_users) -> InProcessApp:
    with running(stack, PORTAL_RATE_LIMIT=f"{LIMIT}/minute") as app:
        yield app


def subscriber(admin, stripe_client, stack: StackConfig, **subscription) -> tuple[dict, str]:
    return paying_subscriber(admin, stripe_client, stack, "resume", **subscription)


@pytest.fixture
def canceling(admin, stripe_client, stack):
    return subscriber(admin, stripe_client, stack, cancel_at_period_end=True)


def row_of(admin, user_id: str) -> dict:
    return admin.table("user_subscriptions").select("*").eq("user_id", user_id).single() \
        .execute().data


def test_resume_undoes_the_cancellation_at_stripe_and_the_webhook_brings_the_row(
    stack, api: InProcessApp, admin, stripe_client, canceling
):
    row, token = canceling
    response = api.post(RESUME, headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    at_stripe = stripe_client.v1.subscriptions.retrieve(row["stripe_subscription_id"])
    assert at_stripe.cancel_at_period_end is False and at_stripe.cancel_at is None
    period_end = at_stripe["items"]["data"][0]["current_period_end"]
    assert response.json() == {"status": "active", "cancel_at_period_end": False,
                               "current_period_end": period_end}
    assert row_of(admin, row["user_id"])["cancel_at_period_end"] is True  # the action wrote nothing
    deliver(api, stack, events_for(stripe_client, row["stripe_subscription_id"]))
    assert row_of(admin, row["user_id"])["cancel_at_period_end"] is False


def test_the_subscription_comes_from_the_row_never_the_request(
    api: InProcessApp, admin, stripe_client, stack, canceling
):
    mine, token = canceling
    other, _ = subscriber(admin, stripe_client, stack, cancel_at_period_end=True)
    response = api.post(RESUME, headers=bearer(token),
                        json={"subscription": other["stripe_subscription_id"]},
                        params={"subscription": other["stripe_subscription_id"]})
    assert response.status_code == 200
    assert stripe_client.v1.subscriptions.retrieve(
        mine["stripe_subscription_id"]).cancel_at_period_end is False
    assert stripe_client.v1.subscriptions.retrieve(
        other["stripe_subscription_id"]).cancel_at_period_end is True


def test_resuming_a_subscription_that_isnt_ending_changes_nothing(
    api: InProcessApp, admin, stripe_client, stack
):
    row, token = subscriber(admin, stripe_client, stack)
    before = stripe_client.v1.subscriptions.retrieve(row["stripe_subscription_id"]).to_dict()
    response = api.post(RESUME, headers=bearer(token))
    assert response.status_code == 200 and response.json()["status"] == "active"
    after = stripe_client.v1.subscriptions.retrieve(row["stripe_subscription_id"]).to_dict()
    assert after == before


def test_without_a_row_or_with_an_ended_subscription_it_is_404_and_stripe_is_not_called(
    api: InProcessApp, admin, stripe_client, stack, make_user, devstack: Devstack
):
    ended, ended_token = subscriber(admin, stripe_client, stack)
    stripe_client.v1.subscriptions.cancel(ended["stripe_subscription_id"])
    seed.write_row(admin, stripe_client, ended["user_id"], ended["stripe_subscription_id"])
    started = time.time()
    for token in (make_user().access_token, ended_token,
                  make_user(with_row=True, stripe_subscription_id=None).access_token):
        response = api.post(RESUME, headers=bearer(token))
        assert (response.status_code, response.json()) == (404, {"error": "No subscription found"})
    assert devstack.stripe_requests(since=started) == []


def test_without_credentials_it_is_401(api: InProcessApp):
    response = api.post(RESUME)
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})


def test_a_cookie_call_no_page_of_the_app_sent_is_403(api: InProcessApp, stripe_client,
                                                      canceling):
    row, token = canceling
    for origin in ("https://evil.example", None):
        headers = {"Origin": origin} if origin else {}
        response = api.post(RESUME, headers=headers, cookies={"sb-access-token": token})
        assert (response.status_code, response.json()) == (403, {"error": "Forbidden"})
    assert stripe_client.v1.subscriptions.retrieve(
        row["stripe_subscription_id"]).cancel_at_period_end is True
    response = api.post(RESUME, headers={"Origin": api.url}, cookies={"sb-access-token": token})
    assert response.status_code == 200


def test_it_counts_against_the_portal_limit(api: InProcessApp, canceling, devstack: Devstack):
    _, token = canceling
    answers = [api.post(RESUME, headers=bearer(token)),
               api.post_portal(headers=bearer(token)),
               api.post(RESUME, headers=bearer(token))]
    assert [a.status_code for a in answers] == [200] * LIMIT
    started = time.time()
    refused = api.post(RESUME, headers=bearer(token))
    assert (refused.status_code, refused.json()) == (429, {"error": "Too many requests"})
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert devstack.stripe_requests(since=started) == []


def test_a_stripe_failure_is_500_and_nothing_changes(api: InProcessApp, stripe_client,
                                                     canceling, no_faults: Devstack):
    row, token = canceling
    no_faults.stripe_fault("error", path="/v1/subscriptions/", method="POST")
    response = api.post(RESUME, headers=bearer(token))
    assert (response.status_code, response.json()) == (
        500, {"error": "Failed to resume subscription"})
    no_faults.clear_faults()
    assert stripe_client.v1.subscriptions.retrieve(
        row["stripe_subscription_id"]).cancel_at_period_end is True


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_405(api: InProcessApp, method: str):
    response = api.request(method, RESUME)
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})
    assert response.headers["allow"] == "POST"
