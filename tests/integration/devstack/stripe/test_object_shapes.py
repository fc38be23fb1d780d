"""Every object the Stripe stand-in returns carries the keys of Stripe's own example, and
Stripe-shaped ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import stripe

from tests.integration.devstack.stripe.harness import PRO_MONTHLY, VISA_DEFAULT, Standin

STRIPE_KEYS = Path(__file__).resolve().parents[3] / "reference" / "stripe_object_keys.json"
# Keys Stripe's example shows that the pinned API version no longer returns (2025-03-31.basil
# moved the invoice's subscription to `parent.subscription_details`), with the stripe-python
# class that must not declare them either.
GONE_IN_PINNED_VERSION = {"invoice": ("subscription", stripe.Invoice)}


@pytest.fixture(scope="module")
def sample_objects(standin: Standin) -> dict[str, dict[str, Any]]:
    """One object of each type the stand-in returns, as raw JSON."""
    customer = standin.raw(
        "POST",
        "/v1/customers",
        data={
            "email": "shapes@example.com",
            "payment_method": VISA_DEFAULT["payment_method"],
            "invoice_settings[default_payment_method]": VISA_DEFAULT["payment_method"],
        },
    ).json()
    sub = standin.raw(
        "POST",
        "/v1/subscriptions",
        data={"customer": customer["id"], "items[0][price]": PRO_MONTHLY},
    ).json()
    checkout = standin.raw(
        "POST",
        "/v1/checkout/sessions",
        data={
            "mode": "subscription",
            "customer": customer["id"],
            "line_items[0][price]": PRO_MONTHLY,
            "line_items[0][quantity]": "1",
            "success_url": "http://localhost:3000/ok?session_id={CHECKOUT_SESSION_ID}",
        },
    ).json()
    portal = standin.raw(
        "POST", "/v1/billing_portal/sessions", data={"customer": customer["id"]}
    ).json()
    configuration = standin.raw(
        "GET", f"/v1/billing_portal/configurations/{portal['configuration']}"
    ).json()
    event = standin.raw(
        "GET", "/v1/events", params={"type": "customer.subscription.created", "limit": 1}
    ).json()["data"][0]
    product = standin.raw("GET", "/v1/products/prod_devstack_pro").json()
    price = standin.raw("GET", f"/v1/prices/{PRO_MONTHLY}").json()
    item = sub["items"]["data"][0]
    invoice = standin.raw("GET", f"/v1/invoices/{sub['latest_invoice']}").json()
    payment_method = standin.raw(
        "GET", f"/v1/payment_methods/{customer['invoice_settings']['default_payment_method']}"
    ).json()
    endpoint = standin.raw("GET", "/v1/webhook_endpoints").json()["data"][0]
    return {
        "customer": customer,
        "product": product,
        "price": price,
        "plan": item["plan"],
        "subscription": sub,
        "subscription_item": item,
        "checkout.session": checkout,
        "billing_portal.session": portal,
        "billing_portal.configuration": configuration,
        "event": event,
        "invoice": invoice,
        "line_item": invoice["lines"]["data"][0],
        "payment_method": payment_method,
        "webhook_endpoint": endpoint,
    }


OBJECT_TYPES = [
    "customer",
    "product",
    "price",
    "plan",
    "subscription",
    "subscription_item",
    "checkout.session",
    "billing_portal.session",
    "billing_portal.configuration",
    "event",
    "invoice",
    "line_item",
    "payment_method",
    "webhook_endpoint",
]


@pytest.mark.parametrize("object_type", OBJECT_TYPES)
def test_object_carries_every_top_level_key_of_stripes_example(
    sample_objects: dict, object_type: str
) -> None:
    example_keys = set(json.loads(STRIPE_KEYS.read_text())["resources"][object_type])
    ours = sample_objects[object_type]
    gone = GONE_IN_PINNED_VERSION.get(object_type)
    if gone:
        example_keys.discard(gone[0])
    missing = example_keys - set(ours)
    assert not missing, f"{object_type} lacks {sorted(missing)}"
    assert ours["object"] == object_type
    if "livemode" in example_keys:
        assert ours["livemode"] is False


@pytest.mark.parametrize("object_type", sorted(GONE_IN_PINNED_VERSION))
def test_keys_gone_in_the_pinned_version_are_gone_from_stripe_python_too(
    sample_objects: dict, object_type: str
) -> None:
    key, stripe_class = GONE_IN_PINNED_VERSION[object_type]
    assert key not in stripe_class.__annotations__
    assert key not in sample_objects[object_type]


def test_ids_look_like_stripes(sample_objects: dict) -> None:
    prefixes = {
        "customer": "cus_",
        "subscription": "sub_",
        "subscription_item": "si_",
        "checkout.session": "cs_test_",
        "billing_portal.session": "bps_",
        "billing_portal.configuration": "bpc_",
        "event": "evt_",
        "invoice": "in_",
        "line_item": "il_",
        "payment_method": "pm_",
        "webhook_endpoint": "we_",
    }
    for object_type, prefix in prefixes.items():
        assert sample_objects[object_type]["id"].startswith(prefix), object_type


def test_billing_periods_live_on_the_subscription_item(sample_objects: dict) -> None:
    sub = sample_objects["subscription"]
    item = sub["items"]["data"][0]
    assert "current_period_end" not in sub
    assert item["current_period_start"] == sub["start_date"]
    # One calendar month: 28 to 31 days.
    assert 28 * 86400 <= item["current_period_end"] - item["current_period_start"] <= 31 * 86400
