"""Stripe's subscription object, as a `user_subscriptions` row.

One mapping for everything that writes rows: the webhook handler, and devstack's demo seed.
Current API versions keep the billing period on the subscription item, not the subscription.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

# Ask Stripe for this when retrieving, so the plan's name comes with the subscription.
EXPAND = ["items.data.price.product"]


def _when(unix: int | None) -> str | None:
    return datetime.fromtimestamp(unix, UTC).isoformat() if unix else None


def plan_label(price: Mapping[str, Any]) -> str:
    """"Pro (monthly)": the product's name and the billing interval."""
    product = price.get("product")
    name = product.get("name") if isinstance(product, Mapping) else None
    name = name or price.get("nickname") or "Subscription"
    recurring = price.get("recurring") or {}
    interval, count = recurring.get("interval"), recurring.get("interval_count") or 1
    if not interval:
        return name
    every = f"{interval}ly" if count == 1 else f"every {count} {interval}s"
    return f"{name} ({every.replace('dayly', 'daily')})"


def row_from_subscription(
    user_id: str, subscription: Mapping[str, Any] | stripe.StripeObject, synced_at: datetime
) -> dict[str, Any]:
    """The row for `user_id` as of `synced_at`, the moment the subscription was read."""
    if isinstance(subscription, stripe.StripeObject):
        subscription = subscription.to_dict()  # stripe-python's objects aren't plain dicts
    items = subscription["items"]["data"]
    item = items[0] if items else {}
    price = item.get("price") or {}
    recurring = price.get("recurring") or {}
    customer = subscription["customer"]
    return {
        "user_id": user_id,
        "stripe_customer_id": customer if isinstance(customer, str) else customer["id"],
        "stripe_subscription_id": subscription["id"],
        "status": subscription["status"],
        "price_id": price.get("id"),
        "plan_label": plan_label(price) if price else None,
        "unit_amount": price.get("unit_amount"),
        "currency": price.get("currency"),
        "billing_interval": recurring.get("interval"),
        "current_period_end": _when(item.get("current_period_end")),
        "cancel_at_period_end": bool(subscription.get("cancel_at_period_end")),
        "cancel_at": _when(subscription.get("cancel_at")),
        "canceled_at": _when(subscription.get("canceled_at")),
        "stripe_synced_at": synced_at.astimezone(UTC).isoformat(),
    }
