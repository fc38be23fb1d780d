"""The one Stripe -> row mapping, checked against values written out by hand, and the live/ended
rules that Subscribe and the page follow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import stripe

from billing_app.billing.subscription import Subscription, is_live, plan_label

USER = "5b6e7c1a-0000-4000-8000-000000000001"
SYNCED = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)

# Trimmed from a `customer.subscription.updated` of API version 2026-10-28.endive, its price
# expanded with the product (`items.data.price.product`). The period lives on the item.
STRIPE_SUBSCRIPTION = {
    "id": "sub_1QxYz",
    "object": "subscription",
    "customer": "cus_R4nd0m",
    "status": "active",
    "cancel_at_period_end": True,
    "cancel_at": 1798761600,      # 2027-01-01T00:00:00Z
    "canceled_at": 1796083200,    # 2026-12-01T00:00:00Z
    "items": {"object": "list", "data": [{
        "id": "si_1",
        "object": "subscription_item",
        "current_period_start": 1796083200,
        "current_period_end": 1798761600,
        "price": {
            "id": "price_pro_monthly",
            "object": "price",
            "currency": "usd",
            "unit_amount": 2000,
            "nickname": None,
            "recurring": {"interval": "month", "interval_count": 1},
            "product": {"id": "prod_pro", "object": "product", "name": "Pro"},
        },
    }]},
}

EXPECTED_ROW = {
    "user_id": USER,
    "stripe_customer_id": "cus_R4nd0m",
    "stripe_subscription_id": "sub_1QxYz",
    "status": "active",
    "price_id": "price_pro_monthly",
    "plan_label": "Pro (monthly)",
    "unit_amount": 2000,
    "currency": "usd",
    "billing_interval": "month",
    "current_period_end": "2027-01-01T00:00:00+00:00",
    "cancel_at_period_end": True,
    "cancel_at": "2027-01-01T00:00:00+00:00",
    "canceled_at": "2026-12-01T00:00:00+00:00",
    "stripe_synced_at": "2026-12-01T12:00:00+00:00",
}


def test_a_stripe_subscription_becomes_this_row():
    assert Subscription.from_stripe(USER, STRIPE_SUBSCRIPTION).to_row(SYNCED) == EXPECTED_ROW


def test_stripe_pythons_own_objects_map_the_same():
    obj = stripe.Subscription.construct_from(STRIPE_SUBSCRIPTION, "sk_test_x")
    assert Subscription.from_stripe(USER, obj).to_row(SYNCED) == EXPECTED_ROW


def test_an_expanded_customer_and_no_items_still_map():
    sub = {**STRIPE_SUBSCRIPTION, "customer": {"id": "cus_R4nd0m", "object": "customer"},
           "items": {"data": []}, "cancel_at": None, "canceled_at": None,
           "cancel_at_period_end": False}
    row = Subscription.from_stripe(USER, sub).to_row(SYNCED)
    assert row["stripe_customer_id"] == "cus_R4nd0m"
    assert (row["price_id"], row["plan_label"], row["current_period_end"]) == (None, None, None)
    assert (row["cancel_at"], row["cancel_at_period_end"]) == (None, False)


def test_the_database_row_reads_back_as_the_same_subscription():
    mapped = Subscription.from_stripe(USER, STRIPE_SUBSCRIPTION)
    from_db = {k: v for k, v in EXPECTED_ROW.items() if k != "stripe_synced_at"}
    assert Subscription.from_row(from_db) == mapped


@pytest.mark.parametrize("recurring,label", [
    ({"interval": "month", "interval_count": 1}, "Pro (monthly)"),
    ({"interval": "year"}, "Pro (yearly)"),
    ({"interval": "day", "interval_count": 1}, "Pro (daily)"),
    ({"interval": "month", "interval_count": 3}, "Pro (every 3 months)"),
    (None, "Pro"),
])
def test_plan_labels(recurring, label):
    assert plan_label({"product": {"name": "Pro"}, "recurring": recurring}) == label


def test_a_plan_without_a_product_name_uses_the_nickname_or_a_default():
    assert plan_label({"product": "prod_1", "nickname": "Gold"}) == "Gold"
    assert plan_label({"product": "prod_1"}) == "Subscription"


@pytest.mark.parametrize("status,subscription_id,live", [
    ("active", "sub_1", True),
    ("past_due", "sub_1", True),
    ("trialing", "sub_1", True),
    ("canceled", "sub_1", False),
    ("incomplete_expired", "sub_1", False),
    ("active", None, False),
])
def test_live_and_ended(status, subscription_id, live):
    sub = Subscription(USER, "cus_1", subscription_id, status)
    assert is_live(sub) is live
    assert sub.has_ended is (status in ("canceled", "incomplete_expired"))


def test_no_row_is_not_live():
    assert is_live(None) is False
