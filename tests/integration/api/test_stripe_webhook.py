"""POST /api/webhooks/stripe, in-process against the stand-ins: signatures, replays, order, and
all-or-nothing writes.

The stand-in keeps its events to itself here (`held_webhooks`): each test fetches them from its
/v1/events and delivers them, signed with the same secret as Stripe signs them. The stand-in's
own deliveries to a running app are tested in tests/integration/hosted/test_hosted_app.py.
"""

from __future__ import annotations

import concurrent.futures
import json
import random
import time
from datetime import datetime

import pytest
import stripe

from tests.helpers import Devstack
from tests.in_process import InProcessApp
from tests.stripe_events import deliver, events_for, invoice_events_for, post_event, signed

pytestmark = pytest.mark.usefixtures("held_webhooks")


def row_of(admin, user_id: str) -> dict | None:
    rows = admin.table("user_subscriptions").select("*").eq("user_id", user_id).execute().data
    return rows[0] if rows else None


def at(value: str | None) -> int | None:
    """A row's timestamp as Stripe's epoch seconds."""
    return int(datetime.fromisoformat(value).timestamp()) if value else None


def matches_stripe(row: dict, stripe_client, subscription_id: str) -> None:
    """The row against Stripe's own fields, read here without the app's mapping."""
    sub = stripe_client.v1.subscriptions.retrieve(subscription_id).to_dict()
    item = sub["items"]["data"][0]
    assert (row["stripe_subscription_id"], row["stripe_customer_id"], row["status"]) == (
        sub["id"], sub["customer"], sub["status"])
    assert (row["price_id"], row["unit_amount"], row["currency"]) == (
        item["price"]["id"], item["price"]["unit_amount"], item["price"]["currency"])
    assert at(row["current_period_end"]) == item["current_period_end"]
    assert row["cancel_at_period_end"] is sub["cancel_at_period_end"]
    assert (at(row["cancel_at"]), at(row["canceled_at"])) == (sub["cancel_at"],
                                                               sub["canceled_at"])


def event_recorded(admin, event_id: str) -> bool:
    return bool(admin.table("stripe_webhook_events").select("id").eq("id", event_id)
                .execute().data)


# Stripe's test Visa as the customer's default, so subscriptions start active (without a
# payment method Stripe leaves them incomplete).
PAYS_WITH_VISA = {
    "payment_method": "pm_card_visa",
    "invoice_settings": {"default_payment_method": "pm_card_visa"},
}


@pytest.fixture
def subscriber(make_user, stripe_client):
    """A user with a Stripe customer and a subscription (metadata.user_id set), no row yet."""

    def make(price: str = "price_devstack_pro_monthly"):
        user = make_user()
        customer = stripe_client.v1.customers.create(params={
            "email": user.email, "metadata": {"user_id": user.id}, **PAYS_WITH_VISA})
        sub = stripe_client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price}],
            "metadata": {"user_id": user.id}})
        return user, customer.id, sub.id

    return make


def test_a_new_subscription_becomes_its_row(stack, api: InProcessApp, admin, subscriber,
                                            stripe_client):
    user, customer, sub_id = subscriber()
    assert deliver(api, stack, events_for(stripe_client, sub_id)) == ["applied"]
    row = row_of(admin, user.id)
    assert (row["stripe_subscription_id"], row["stripe_customer_id"]) == (sub_id, customer)
    assert (row["status"], row["price_id"], row["plan_label"]) == (
        "active", "price_devstack_pro_monthly", "Pro (monthly)")
    assert (row["unit_amount"], row["currency"], row["billing_interval"]) == (2000, "usd", "month")
    assert row["current_period_end"] and not row["cancel_at_period_end"]
    assert (row["cancel_at"], row["canceled_at"]) == (None, None)
    matches_stripe(row, stripe_client, sub_id)


def test_a_scheduled_cancellation_reaches_the_row(stack, api: InProcessApp, admin, subscriber,
                                                  stripe_client):
    user, _, sub_id = subscriber()
    stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    deliver(api, stack, events_for(stripe_client, sub_id))
    row = row_of(admin, user.id)
    assert row["status"] == "active" and row["cancel_at_period_end"] is True
    matches_stripe(row, stripe_client, sub_id)


def test_a_plan_switch_reaches_the_row(stack, api: InProcessApp, admin, subscriber,
                                       stripe_client):
    user, _, sub_id = subscriber()
    item = stripe_client.v1.subscriptions.retrieve(sub_id)["items"]["data"][0]
    stripe_client.v1.subscriptions.update(sub_id, params={
        "items": [{"id": item.id, "price": "price_devstack_pro_yearly"}]})
    deliver(api, stack, events_for(stripe_client, sub_id))
    row = row_of(admin, user.id)
    assert (row["price_id"], row["plan_label"], row["unit_amount"], row["billing_interval"]) == (
        "price_devstack_pro_yearly", "Pro (yearly)", 19200, "year")
    matches_stripe(row, stripe_client, sub_id)


def test_a_deleted_subscription_is_recorded_as_canceled(stack, api: InProcessApp, admin,
                                                         subscriber, stripe_client):
    user, _, sub_id = subscriber()
    stripe_client.v1.subscriptions.cancel(sub_id)
    deliver(api, stack, events_for(stripe_client, sub_id))
    row = row_of(admin, user.id)
    assert row["status"] == "canceled" and row["canceled_at"]
    matches_stripe(row, stripe_client, sub_id)


def test_a_failed_payment_moves_the_row_to_past_due_and_a_paid_invoice_back_to_active(
    stack, api: InProcessApp, admin, subscriber, stripe_client
):
    """Each invoice event alone brings the row to Stripe's status: the handler re-reads the
    subscription the invoice bills (`parent.subscription_details.subscription`)."""
    user, customer, sub_id = subscriber()
    deliver(api, stack, events_for(stripe_client, sub_id))
    declining = stripe_client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": customer})
    stripe_client.v1.customers.update(
        customer, params={"invoice_settings": {"default_payment_method": declining.id}})
    stripe_client.v1.subscriptions.update(sub_id, params={
        "billing_cycle_anchor": {"type": "now"}, "proration_behavior": "none"})
    failed = invoice_events_for(stripe_client, sub_id, "invoice.payment_failed")
    assert len(failed) == 1 and stripe_client.v1.subscriptions.retrieve(sub_id).status == "past_due"
    assert deliver(api, stack, failed) == ["applied"]
    assert row_of(admin, user.id)["status"] == "past_due"

    visa = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer})
    stripe_client.v1.invoices.pay(failed[0]["data"]["object"]["id"],
                                  params={"payment_method": visa.id})
    paid = invoice_events_for(stripe_client, sub_id, "invoice.paid")[-1:]
    assert deliver(api, stack, paid) == ["applied"]
    row = row_of(admin, user.id)
    assert row["status"] == "active"
    matches_stripe(row, stripe_client, sub_id)


def test_an_invoice_of_no_subscription_is_ignored(api, stack, admin):
    body = json.dumps({
        "id": "evt_one_off_invoice", "object": "event", "type": "invoice.paid", "created": 1,
        "data": {"object": {"id": "in_one_off", "object": "invoice", "customer": "cus_x",
                            "parent": None, "status": "paid"}}})
    answer = post_event(api, body, signed(stack, body))
    assert (answer.status_code, answer.json()) == (200, {"received": True, "outcome": "ignored"})
    assert not event_recorded(admin, "evt_one_off_invoice")


def test_unsigned_events_are_400_and_write_nothing(api, stack, admin, subscriber,
                                                   stripe_client):
    user, _, sub_id = subscriber()
    event = events_for(stripe_client, sub_id)[0]
    response = post_event(api, json.dumps(event), None)
    assert (response.status_code, response.json()) == (400, {"error": "Invalid signature"})
    assert row_of(admin, user.id) is None and not event_recorded(admin, event["id"])


def test_events_signed_with_another_secret_are_400(api, admin, subscriber, stripe_client,
                                                   held_webhooks):
    user, _, sub_id = subscriber()
    body = json.dumps(events_for(stripe_client, sub_id)[0])
    forged = stripe.WebhookSignature.generate_signature_header(body, "whsec_not_ours")
    assert post_event(api, body, forged).status_code == 400
    assert row_of(admin, user.id) is None


def test_tampered_events_are_400(api, stack, admin, subscriber, stripe_client,
                                 make_user):
    user, _, sub_id = subscriber()
    event = events_for(stripe_client, sub_id)[0]
    body = json.dumps(event)
    signature = signed(stack, body)
    attacker = make_user()
    tampered = body.replace(user.id, attacker.id)
    assert tampered != body
    assert post_event(api, tampered, signature).status_code == 400
    assert row_of(admin, attacker.id) is None and row_of(admin, user.id) is None


def test_stale_signatures_are_400(api, stack, admin, subscriber, stripe_client,
                                  held_webhooks):
    user, _, sub_id = subscriber()
    body = json.dumps(events_for(stripe_client, sub_id)[0])
    old = signed(stack, body, timestamp=int(time.time()) - 301)
    assert post_event(api, body, old).status_code == 400
    assert post_event(api, body, signed(stack, body)).status_code == 200  # fresh: fine
    assert row_of(admin, user.id) is not None


def test_garbage_bodies_are_400(api, stack):
    for body in ("not json", "{}", '{"type": 5}', "\udcff"):
        raw = body.encode("utf-8", "surrogateescape")
        response = post_event(api, raw, signed(stack, raw.decode("utf-8", "replace")))
        assert response.status_code == 400


@pytest.mark.parametrize("body", ["[]", '"evt_1"', "5", "null", "[" * 5000 + "]" * 5000])
def test_signed_bodies_that_are_not_events_are_400(api, stack, body):
    response = post_event(api, body, signed(stack, body))
    assert (response.status_code, response.json()) == (400, {"error": "Invalid payload"})


def test_unhandled_event_types_are_200_and_ignored(api, stack):
    event = {"id": "evt_ignored_1", "object": "event", "type": "invoice.paid", "created": 1,
             "api_version": "2026-10-28.endive", "livemode": False, "pending_webhooks": 1,
             "request": {"id": None, "idempotency_key": None},
             "data": {"object": {"id": "in_1", "object": "invoice"}}}
    body = json.dumps(event)
    response = post_event(api, body, signed(stack, body))
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"


def test_a_replayed_event_changes_nothing(api, stack, admin, subscriber, stripe_client):
    user, _, sub_id = subscriber()
    event = events_for(stripe_client, sub_id)[0]
    deliver(api, stack, [event])
    before = row_of(admin, user.id)
    body = json.dumps(event)
    response = post_event(api, body, signed(stack, body))
    assert response.json()["outcome"] == "duplicate"
    assert row_of(admin, user.id) == before  # updated_at included


def test_shuffled_history_with_duplicates_ends_in_stripes_final_state(
    api, stack, admin, subscriber, stripe_client
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
        assert post_event(api, body, signed(stack, body)).status_code == 200
    final = row_of(admin, user.id)
    matches_stripe(final, stripe_client, sub_id)
    assert final["price_id"] == "price_devstack_team_monthly" and final["cancel_at_period_end"]
    for event in history:
        assert event_recorded(admin, event["id"])


def test_concurrent_deliveries_end_in_stripes_final_state(
    api, stack, admin, subscriber, stripe_client
):
    user, _, sub_id = subscriber()
    for flag in (True, False, True):
        stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": flag})
    history = events_for(stripe_client, sub_id) * 2
    bodies = [json.dumps(e) for e in history]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda b: post_event(api, b, signed(stack, b)).status_code,
                              bodies))
    assert set(codes) == {200}
    matches_stripe(row_of(admin, user.id), stripe_client, sub_id)


def test_a_failure_midway_writes_nothing_and_the_retry_applies(
    api, stack, admin, subscriber, stripe_client, no_faults: Devstack
):
    user, _, sub_id = subscriber()
    event = events_for(stripe_client, sub_id)[0]
    body = json.dumps(event)
    # The event check and the Stripe read succeed; the write in the middle of handling fails.
    no_faults.supabase_fault("rest", "error", path="/rpc/")
    response = post_event(api, body, signed(stack, body))
    assert (response.status_code, response.json()) == (500, {"error": "Webhook handling failed"})
    assert row_of(admin, user.id) is None and not event_recorded(admin, event["id"])
    no_faults.clear_faults()
    response = post_event(api, body, signed(stack, body))  # Stripe's retry
    assert response.json()["outcome"] == "applied"
    assert row_of(admin, user.id) is not None and event_recorded(admin, event["id"])


def test_a_stripe_failure_is_500_so_stripe_retries(api, stack, admin, subscriber,
                                                   stripe_client,
                                                   no_faults: Devstack):
    user, _, sub_id = subscriber()
    body = json.dumps(events_for(stripe_client, sub_id)[0])
    no_faults.stripe_fault("error")
    assert post_event(api, body, signed(stack, body)).status_code == 500
    assert row_of(admin, user.id) is None


def test_an_unknown_user_is_acknowledged_and_nothing_is_written(
    api, stack, admin, stripe_client
):
    ghost = "00000000-0000-4000-8000-000000000000"
    customer = stripe_client.v1.customers.create(params={"metadata": {"user_id": ghost}})
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": "price_devstack_pro_monthly"}],
        "metadata": {"user_id": ghost}})
    body = json.dumps(events_for(stripe_client, sub.id)[0])
    response = post_event(api, body, signed(stack, body))
    assert response.json()["outcome"] == "unknown_user"
    assert row_of(admin, ghost) is None


def test_other_methods_are_405_and_huge_bodies_413(api):
    assert api.get("/api/webhooks/stripe").status_code == 405
    huge = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    assert post_event(api, huge, "t=1,v1=00").status_code == 413


def test_the_request_log_names_the_user_whose_row_the_event_wrote(
    api, stack, subscriber, stripe_client
):
    user, _, subscription_id = subscriber()
    event = next(e for e in events_for(stripe_client, subscription_id)
                 if e["type"] == "customer.subscription.created")
    body = json.dumps(event)
    response = post_event(api, body, signed(stack, body))
    assert response.json() == {"received": True, "outcome": "applied"}
    [line] = api.request_log(response.headers["x-request-id"])
    assert (line["route"], line["status"], line["outcome"]) == ("/api/webhooks/stripe", 200,
                                                                 "applied")
    assert line["user_id"] == user.id
    assert line["stripe_request_id"].startswith("req_")  # the subscription's re-read
