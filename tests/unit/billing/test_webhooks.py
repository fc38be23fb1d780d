"""Which user and subscription a Stripe event is about (`webhooks.target`), and which signed
bodies are events at all (`webhooks.verify`). The handler as a whole runs over HTTP in
tests/integration/api/test_stripe_webhook.py."""

from __future__ import annotations

import asyncio
import json

import pytest
import stripe

from billing_app.billing import webhooks
from billing_app.platform.outcomes import Outcome
from tests.helpers import app_settings

USER = "5b6e7c1a-0000-4000-8000-000000000001"
OTHER = "5b6e7c1a-0000-4000-8000-000000000002"


def event(type_: str, obj: dict) -> stripe.Event:
    return stripe.Event.construct_from(
        {"id": "evt_1", "object": "event", "type": type_, "created": 1,
         "data": {"object": obj}}, "sk_test_x")


@pytest.fixture
def customers(monkeypatch):
    """The rows that already hold a Stripe customer: customer id -> user id."""
    known: dict[str, str] = {}

    async def user_for_customer(customer_id: str) -> str | None:
        return known.get(customer_id)

    monkeypatch.setattr(webhooks.admin, "user_for_customer", user_for_customer)
    return known


def target(e: stripe.Event):
    return asyncio.run(webhooks.target(e))


def test_a_completed_checkout_names_its_subscription_and_client_reference(customers):
    e = event("checkout.session.completed", {
        "id": "cs_1", "mode": "subscription", "subscription": "sub_1",
        "client_reference_id": USER, "customer": "cus_1"})
    assert target(e) == ("sub_1", USER)


@pytest.mark.parametrize("changes", [
    {"mode": "payment"},
    {"subscription": None},
    {"client_reference_id": "not-a-uuid"},
    {"client_reference_id": None},
])
def test_a_checkout_without_a_subscription_or_a_valid_user_names_nothing(customers, changes):
    obj = {"id": "cs_1", "mode": "subscription", "subscription": {"id": "sub_1"},
           "client_reference_id": USER, **changes}
    assert target(event("checkout.session.completed", obj)) is None


def test_a_subscription_event_goes_to_the_user_whose_row_holds_the_customer(customers):
    customers["cus_1"] = USER
    obj = {"id": "sub_1", "customer": "cus_1", "metadata": {"user_id": OTHER}}
    assert target(event("customer.subscription.updated", obj)) == ("sub_1", USER)


def test_a_new_customer_is_mapped_by_the_subscriptions_metadata(customers):
    obj = {"id": "sub_1", "customer": {"id": "cus_new"}, "metadata": {"user_id": USER}}
    assert target(event("customer.subscription.created", obj)) == ("sub_1", USER)


def test_a_subscription_event_naming_no_known_user_names_nothing(customers):
    obj = {"id": "sub_1", "customer": "cus_unknown", "metadata": {"user_id": "nobody"}}
    assert target(event("customer.subscription.deleted", obj)) is None


SUB_DETAILS = {"type": "subscription_details",
               "subscription_details": {"subscription": "sub_1", "metadata": {"user_id": USER}}}


@pytest.mark.parametrize("type_", ["invoice.payment_failed", "invoice.paid"])
def test_an_invoice_event_is_about_the_subscription_it_bills(customers, type_):
    customers["cus_1"] = OTHER
    obj = {"id": "in_1", "customer": "cus_1", "parent": SUB_DETAILS}
    assert target(event(type_, obj)) == ("sub_1", OTHER)  # the row's user first


def test_an_invoice_of_a_new_customer_goes_by_the_subscriptions_metadata(customers):
    obj = {"id": "in_1", "customer": "cus_new", "parent": SUB_DETAILS}
    assert target(event("invoice.paid", obj)) == ("sub_1", USER)


def test_an_endpoint_on_an_older_api_version_names_the_subscription_at_the_top(customers):
    customers["cus_1"] = USER
    obj = {"id": "in_1", "customer": "cus_1", "subscription": {"id": "sub_old"}}
    assert target(event("invoice.payment_failed", obj)) == ("sub_old", USER)


@pytest.mark.parametrize("parent", [None, {"type": "quote_details", "quote_details": {}}])
def test_an_invoice_of_no_subscription_names_nothing(customers, parent):
    customers["cus_1"] = USER
    e = event("invoice.paid", {"id": "in_1", "customer": "cus_1", "parent": parent})
    assert target(e) is None


@pytest.fixture
def secret(monkeypatch):
    settings = app_settings(STRIPE_WEBHOOK_SECRET="whsec_unit_test")
    monkeypatch.setattr(webhooks, "get_settings", lambda: settings)
    monkeypatch.setattr(webhooks.clients, "stripe", lambda: stripe.StripeClient("sk_test_x"))
    return "whsec_unit_test"


def signed(body: str, secret: str) -> str:
    return stripe.WebhookSignature.generate_signature_header(body, secret)


def test_verify_returns_the_event_for_a_signed_event(secret):
    body = json.dumps({"id": "evt_1", "object": "event", "type": "x", "created": 1,
                       "data": {"object": {"id": "o_1"}}})
    verified = webhooks.verify(body.encode(), signed(body, secret))
    assert isinstance(verified, stripe.Event) and verified.id == "evt_1"


@pytest.mark.parametrize("body,outcome", [
    ("[]", Outcome.INVALID_PAYLOAD),
    ('{"id": "evt_1"}', Outcome.INVALID_PAYLOAD),
    ("not json", Outcome.INVALID_PAYLOAD),
])
def test_verify_refuses_signed_bodies_that_are_not_events(secret, body, outcome):
    assert webhooks.verify(body.encode(), signed(body, secret)) is outcome


def test_verify_refuses_a_wrong_or_missing_signature(secret):
    body = '{"id": "evt_1"}'
    assert webhooks.verify(body.encode(), signed(body, "whsec_other")) is Outcome.INVALID_SIGNATURE
    assert webhooks.verify(body.encode(), None) is Outcome.INVALID_SIGNATURE
