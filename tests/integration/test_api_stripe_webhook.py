"""POST /api/webhooks/stripe over real HTTP: signatures, replays, order, and all-or-nothing writes.

Events come from the Stripe stand-in, either delivered by it (it signs them as Stripe does) or
fetched from its /v1/events and posted by the test, signed with the same secret.
"""

from __future__ import annotations

import concurrent.futures
import json
import random
import time
from datetime import UTC, datetime

import httpx
import pytest
import stripe

from billing_app.subscription_rows import EXPAND, row_from_subscription
from devstack.config import StackConfig
from tests.helpers import Devstack, RunningApp

ROW_FIELDS = ("stripe_customer_id", "stripe_subscription_id", "status", "price_id", "plan_label",
              "unit_amount", "currency", "billing_interval", "current_period_end",
              "cancel_at_period_end", "cancel_at", "canceled_at")


def post_event(app: RunningApp, body: str | bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return httpx.post(f"{app.url}/api/webhooks/stripe", content=body, headers=headers, timeout=30)


def signed(stack: StackConfig, body: str, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        body, stack.secrets.stripe_webhook_secret, timestamp=timestamp)


def events_for(stripe_client: stripe.StripeClient, subscription_id: str) -> list[dict]:
    """Every event the stand-in made about this subscription, as the JSON Stripe would send."""
    found = []
    for event in stripe_client.v1.events.list(params={"limit": 100}).auto_paging_iter():
        data = event.to_dict(for_json=True)
        obj = data["data"]["object"]
        if obj.get("id") == subscription_id or obj.get("subscription") == subscription_id:
            found.append(data)
    return found


def row_of(admin, user_id: str) -> dict | None:
    rows = admin.table("user_subscriptions").select("*").eq("user_id", user_id).execute().data
    return rows[0] if rows else None


def stripe_row(stripe_client, user_id: str, subscription_id: str) -> dict:
    sub = stripe_client.v1.subscriptions.retrieve(subscription_id, params={"expand": EXPAND})
    return row_from_subscription(user_id, sub, datetime.now(UTC))


def same_state(row: dict, expected: dict) -> bool:
    def norm(key, value):
        if key in ("current_period_end", "cancel_at", "canceled_at") and value:
            return datetime.fromisoformat(value).timestamp()
        return value
    return all(norm(k, row[k]) == norm(k, expected[k]) for k in ROW_FIELDS)


def event_recorded(admin, event_id: str) -> bool:
    return bool(admin.table("stripe_webhook_events").select("id").eq("id", event_id)
                .execute().data)


@pytest.fixture
def subscriber(make_user, stripe_client):
    """A user with a Stripe customer and a subscription (metadata.user_id set), no row yet."""

    def make(price: str = "price_devstack_pro_monthly"):
        user = make_user()
        customer = stripe_client.v1.customers.create(
            params={"email": user.email, "metadata": {"user_id": user.id}})
        sub = stripe_client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price}],
            "metadata": {"user_id": user.id}})
        return user, customer.id, sub.id

    return make


@pytest.fixture
def held_webhooks(devstack: Devstack, app_server: RunningApp):
    """The stand-in keeps its events to itself during the test; the test delivers them."""
    devstack.wait_for_webhooks()
    devstack.point_webhooks(None)
    yield
    devstack.point_webhooks(f"{app_server.url}/api/webhooks/stripe")


def test_delivered_events_make_the_row_equal_stripes_state(
    app_server, devstack: Devstack, admin, subscriber, stripe_client
):
    user, _, sub_id = subscriber()
    devstack.wait_for_webhooks()
    row = row_of(admin, user.id)
    assert row is not None and same_state(row, stripe_row(stripe_client, user.id, sub_id))
    assert row["plan_label"] == "Pro (monthly)" and row["status"] == "active"


@pytest.mark.parametrize("change", [
    {"cancel_at_period_end": True},
    {"items": "switch"},
])
def test_changes_made_at_stripe_reach_the_row(app_server, devstack: Devstack, admin, subscriber,
                                              stripe_client, change):
    user, _, sub_id = subscriber()
    if change.get("items") == "switch":
        item = stripe_client.v1.subscriptions.retrieve(sub_id)["items"]["data"][0]
        change = {"items": [{"id": item.id, "price": "price_devstack_pro_yearly"}]}
    stripe_client.v1.subscriptions.update(sub_id, params=change)
    devstack.wait_for_webhooks()
    assert same_state(row_of(admin, user.id), stripe_row(stripe_client, user.id, sub_id))


def test_a_deleted_subscription_is_recorded_as_canceled(app_server, devstack: Devstack, admin,
                                                         subscriber, stripe_client):
    user, _, sub_id = subscriber()
    stripe_client.v1.subscriptions.cancel(sub_id)
    devstack.wait_for_webhooks()
    row = row_of(admin, user.id)
    assert row["status"] == "canceled" and row["canceled_at"]


def test_unsigned_events_are_400_and_write_nothing(app_server, stack, admin, subscriber,
                                                   stripe_client, held_webhooks):
    user, _, sub_id = subscriber()
    event = events_for(stripe_client, sub_id)[0]
    response = post_event(app_server, json.dumps(event), None)
    assert (response.status_code, response.json()) == (400, {"error": "Invalid signature"})
    assert row_of(admin, user.id) is None and not event_recorded(admin, event["id"])


def test_events_signed_with_another_secret_are_400(app_server, admin, subscriber, stripe_client,
                                                   held_webhooks):
    user, _, sub_id = subscriber()
    body = json.dumps(events_for(stripe_client, sub_id)[0])
    forged = stripe.WebhookSignature.generate_signature_header(body, "whsec_not_ours")
    assert post_event(app_server, body, forged).status_code == 400
    assert row_of(admin, user.id) is None


def test_tampered_events_are_400(app_server, stack, admin, subscriber, stripe_client,
                                 make_user, held_webhooks):
    user, _, sub_id = subscriber()
    event = events_for(stripe_client, sub_id)[0]
    body = json.dumps(event)
    signature = signed(stack, body)
    attacker = make_user()
    tampered = body.replace(user.id, attacker.id)
    assert tampered != body
    assert post_event(app_server, tampered, signature).status_code == 400
    assert row_of(admin, attacker.id) is None and row_of(admin, user.id) is None


def test_stale_signatures_are_400(app_server, stack, admin, subscriber, stripe_client,
                                  held_webhooks):
    user, _, sub_id = subscriber()
    body = json.dumps(events_for(stripe_client, sub_id)[0])
    old = signed(stack, body, timestamp=int(time.time()) - 301)
    assert post_event(app_server, body, old).status_code == 400
    assert post_event(app_server, body, signed(stack, body)).status_code == 200  # fresh: fine
    assert row_of(admin, user.id) is not None


def test_garbage_bodies_are_400(app_server, stack):
    for body in ("not json", "{}", '{"type": 5}', "\udcff"):
        raw = body.encode("utf-8", "surrogateescape")
        response = post_event(app_server, raw, signed(stack, raw.decode("utf-8", "replace")))
        assert response.status_code == 400


@pytest.mark.parametrize("body", ["[]", '"evt_1"', "5", "null", "[" * 5000 + "]" * 5000])
def test_signed_bodies_that_are_not_events_are_400(app_server, stack, body):
    response = post_event(app_server, body, signed(stack, body))
    assert (response.status_code, response.json()) == (400, {"error": "Invalid payload"})


def test_unhandled_event_types_are_200_and_ignored(app_server, stack):
    event = {"id": "evt_ignored_1", "object": "event", "type": "invoice.paid", "created": 1,
             "api_version": "2026-10-28.endive", "livemode": False, "pending_webhooks": 1,
             "request": {"id": None, "idempotency_key": None},
             "data": {"object": {"id": "in_1", "object": "invoice"}}}
    body = json.dumps(event)
    response = post_event(app_server, body, signed(stack, body))
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"


def test_a_replayed_event_changes_nothing(app_server, stack, devstack: Devstack, admin,
                                          subscriber, stripe_client):
    user, _, sub_id = subscriber()
    devstack.wait_for_webhooks()
    before = row_of(admin, user.id)
    event = events_for(stripe_client, sub_id)[0]
    body = json.dumps(event)
    response = post_event(app_server, body, signed(stack, body))
    assert response.json()["outcome"] == "duplicate"
    assert row_of(admin, user.id) == before  # updated_at included


def test_shuffled_history_with_duplicates_ends_in_stripes_final_state(
    app_server, stack, admin, subscriber, stripe_client, held_webhooks
):
    user, _, sub_id = subscriber()
    item = stripe_client.v1.subscriptions.retrieve(sub_id)["items"]["data"][0]
    stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    stripe_client.v1.subscriptions.update(sub_id, params={
        "items": [{"id": item.id, "price": "price_devstack_team_monthly"}]})
    stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": False})
    stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    history = events_for(stripe_client, sub_id)
    assert len(history) >= 5
    deliveries = history + random.Random(7).sample(history, 3)
    random.Random(11).shuffle(deliveries)
    for event in deliveries:
        body = json.dumps(event)
        assert post_event(app_server, body, signed(stack, body)).status_code == 200
    final = row_of(admin, user.id)
    assert same_state(final, stripe_row(stripe_client, user.id, sub_id))
    assert final["price_id"] == "price_devstack_team_monthly" and final["cancel_at_period_end"]
    for event in history:
        assert event_recorded(admin, event["id"])


def test_concurrent_deliveries_end_in_stripes_final_state(
    app_server, stack, admin, subscriber, stripe_client, held_webhooks
):
    user, _, sub_id = subscriber()
    for flag in (True, False, True):
        stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": flag})
    history = events_for(stripe_client, sub_id) * 2
    bodies = [json.dumps(e) for e in history]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda b: post_event(app_server, b, signed(stack, b)).status_code,
                              bodies))
    assert set(codes) == {200}
    assert same_state(row_of(admin, user.id), stripe_row(stripe_client, user.id, sub_id))


def test_a_failure_midway_writes_nothing_and_the_retry_applies(
    app_server, stack, admin, subscriber, stripe_client, held_webhooks, no_faults: Devstack
):
    user, _, sub_id = subscriber()
    event = events_for(stripe_client, sub_id)[0]
    body = json.dumps(event)
    # The event check and the Stripe read succeed; the write in the middle of handling fails.
    no_faults.supabase_fault("rest", "error", path="/rpc/")
    response = post_event(app_server, body, signed(stack, body))
    assert (response.status_code, response.json()) == (500, {"error": "Webhook handling failed"})
    assert row_of(admin, user.id) is None and not event_recorded(admin, event["id"])
    no_faults.clear_faults()
    response = post_event(app_server, body, signed(stack, body))  # Stripe's retry
    assert response.json()["outcome"] == "applied"
    assert row_of(admin, user.id) is not None and event_recorded(admin, event["id"])


def test_a_stripe_failure_is_500_so_stripe_retries(app_server, stack, admin, subscriber,
                                                   stripe_client, held_webhooks,
                                                   no_faults: Devstack):
    user, _, sub_id = subscriber()
    body = json.dumps(events_for(stripe_client, sub_id)[0])
    no_faults.stripe_fault("error")
    assert post_event(app_server, body, signed(stack, body)).status_code == 500
    assert row_of(admin, user.id) is None


def test_an_unknown_user_is_acknowledged_and_nothing_is_written(
    app_server, stack, admin, stripe_client, held_webhooks
):
    ghost = "00000000-0000-4000-8000-000000000000"
    customer = stripe_client.v1.customers.create(params={"metadata": {"user_id": ghost}})
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": "price_devstack_pro_monthly"}],
        "metadata": {"user_id": ghost}})
    body = json.dumps(events_for(stripe_client, sub.id)[0])
    response = post_event(app_server, body, signed(stack, body))
    assert response.json()["outcome"] == "unknown_user"
    assert row_of(admin, ghost) is None


def test_other_methods_are_405_and_huge_bodies_413(app_server):
    assert httpx.get(f"{app_server.url}/api/webhooks/stripe").status_code == 405
    huge = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    assert post_event(app_server, huge, "t=1,v1=00").status_code == 413


def test_the_request_log_names_the_user_whose_row_the_event_wrote(
    app_server, stack, subscriber, stripe_client, held_webhooks
):
    user, _, subscription_id = subscriber()
    event = next(e for e in events_for(stripe_client, subscription_id)
                 if e["type"] == "customer.subscription.created")
    body = json.dumps(event)
    response = post_event(app_server, body, signed(stack, body))
    assert response.json() == {"received": True, "outcome": "applied"}
    [line] = app_server.request_log(response.headers["x-request-id"])
    assert (line["route"], line["status"], line["outcome"]) == ("/api/webhooks/stripe", 200,
                                                                 "applied")
    assert line["user_id"] == user.id
    assert line["stripe_request_id"].startswith("req_")  # the subscription's re-read
