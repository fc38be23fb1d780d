"""POST /api/checkout_sessions, in-process against the stand-ins: Subscribe's other front door."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import Devstack
from tests.in_process import InProcessApp
from tests.stripe_events import deliver, events_for

FAILED = {"error": "Failed to create checkout session"}


def post_checkout(app: InProcessApp, **kwargs) -> httpx.Response:
    return app.post("/api/checkout_sessions", **kwargs)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def session_for(stripe_client, url: str):
    session_id = url.rstrip("/").rsplit("/", 1)[-1]
    return stripe_client.v1.checkout.sessions.retrieve(session_id)


def test_a_user_without_a_subscription_gets_a_checkout_url(api: InProcessApp, make_user,
                                                           stripe_client):
    user = make_user()
    response = post_checkout(api, headers=bearer(user.access_token))
    assert response.status_code == 200 and set(response.json()) == {"url"}
    session = session_for(stripe_client, response.json()["url"])
    assert session.mode == "subscription" and session.status == "open"
    assert session.client_reference_id == user.id
    assert session.metadata["user_id"] == user.id
    assert session.success_url.startswith(f"{api.url}/dashboard/settings/billing?")
    assert session.cancel_url.startswith(f"{api.url}/dashboard/settings/billing?")
    customer = stripe_client.v1.customers.retrieve(session.customer)
    assert customer.metadata["user_id"] == user.id and customer.email == user.email


def test_the_customer_is_created_once_and_reused(api: InProcessApp, make_user,
                                                 stripe_client):
    user = make_user()
    first, second = (session_for(stripe_client, post_checkout(
        api, headers=bearer(user.access_token)).json()["url"]) for _ in range(2))
    assert first.id != second.id and first.customer == second.customer
    assert len(stripe_client.v1.customers.list(params={"email": user.email}).data) == 1


def test_paying_makes_the_row_active_through_the_webhook(stack, api: InProcessApp, make_user,
                                                         stripe_client, admin, held_webhooks):
    user = make_user()
    url = post_checkout(api, headers=bearer(user.access_token)).json()["url"]
    paid = httpx.post(url, follow_redirects=False, timeout=30)  # the stand-in's "Subscribe"
    assert paid.status_code == 303
    assert paid.headers["location"].startswith(f"{api.url}/dashboard/settings/billing")
    subscription_id = session_for(stripe_client, url).subscription
    events = events_for(stripe_client, subscription_id)
    assert "checkout.session.completed" in [e["type"] for e in events]
    assert deliver(api, stack, events)[0] == "applied"
    row = admin.table("user_subscriptions").select("*").eq("user_id", user.id).single().execute()
    assert row.data["status"] == "active" and row.data["stripe_subscription_id"]
    subscription = stripe_client.v1.subscriptions.retrieve(row.data["stripe_subscription_id"])
    assert subscription.metadata["user_id"] == user.id
    # Without STRIPE_PRICE_ID, Subscribe sells the first active recurring price.
    first_recurring = stripe_client.v1.prices.list(
        params={"active": True, "type": "recurring", "limit": 1}).data[0]
    assert subscription["items"]["data"][0]["price"]["id"] == first_recurring.id
    again = post_checkout(api, headers=bearer(user.access_token))
    assert (again.status_code, again.json()) == (409, {"error": "Already subscribed"})


def test_a_canceled_subscriber_may_subscribe_again_as_the_same_customer(
    api: InProcessApp, make_user, stripe_client
):
    customer = stripe_client.v1.customers.create(params={"email": "returning@example.com"})
    user = make_user(with_row=True, status="canceled", stripe_customer_id=customer.id)
    response = post_checkout(api, headers=bearer(user.access_token))
    assert response.status_code == 200
    assert session_for(stripe_client, response.json()["url"]).customer == customer.id


def test_same_auth_rules_as_the_portal(api: InProcessApp):
    response = post_checkout(api)
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})
    response = post_checkout(api, headers=bearer("not.a.token"))
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})
    response = api.get("/api/checkout_sessions")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


@pytest.mark.usefixtures("no_faults")
def test_a_stripe_failure_is_500(api: InProcessApp, make_user, devstack: Devstack):
    user = make_user()
    devstack.stripe_fault("error")
    response = post_checkout(api, headers=bearer(user.access_token))
    assert (response.status_code, response.json()) == (500, FAILED)


def test_a_500_at_customer_creation_never_keeps_the_user_from_subscribing(
    api: InProcessApp, make_user, stripe_client, no_faults: Devstack
):
    """Stripe saves a 500 for its Idempotency-Key and replays it for a day; the fixed key
    `billing-app-customer-<user id>` must not keep the user stuck that long."""
    user = make_user()
    no_faults.stripe_fault("error", times=1, path="/v1/customers", method="POST")
    first = post_checkout(api, headers=bearer(user.access_token))
    assert (first.status_code, first.json()) == (500, FAILED)
    later = post_checkout(api, headers=bearer(user.access_token))  # the next Subscribe click
    assert later.status_code == 200
    session = session_for(stripe_client, later.json()["url"])
    customers = stripe_client.v1.customers.list(params={"email": user.email}).data
    assert [c.id for c in customers] == [session.customer]
    creates = [r for r in no_faults.stripe_requests(path="/v1/customers")
               if r["method"] == "POST" and user.id in (r["idempotency_key"] or "")]
    fixed = f"billing-app-customer-{user.id}"
    # The 500, its replay to the fixed key, then a key of the second attempt's own.
    assert [(r["idempotency_key"] == fixed, r["status"]) for r in creates] == [
        (True, 500), (True, 500), (False, 200)]
    # And from then on the customer is found, not made again.
    again = post_checkout(api, headers=bearer(user.access_token))
    assert session_for(stripe_client, again.json()["url"]).customer == session.customer
