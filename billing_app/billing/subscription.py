"""The subscription: the `user_subscriptions` row as a model, the one Stripe -> row mapping, the
live/ended rules, the caller's own row read under RLS, and the one read from Stripe.

Adding a column: the migration, a field here, and its line in `from_stripe`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError
from billing_app.platform.tokens import unverified_claims

# Statuses after which a user may subscribe again; any other means "use the portal instead".
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired"})
# Ask Stripe for this when retrieving, so the plan's name comes with the subscription.
EXPAND = ["items.data.price.product"]


def _from_unix(unix: int | None) -> datetime | None:
    return datetime.fromtimestamp(unix, UTC) if unix else None


def id_of(value: Any) -> str | None:
    """An object's id, whether Stripe sent the id or the expanded object."""
    return value if isinstance(value, str) or value is None else value.get("id")


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


@dataclasses.dataclass(frozen=True)
class Subscription:
    """One user's row. Field names are the table's column names."""

    user_id: str
    stripe_customer_id: str | None
    stripe_subscription_id: str | None
    status: str | None
    price_id: str | None = None
    plan_label: str | None = None
    unit_amount: int | None = None
    currency: str | None = None
    billing_interval: str | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    cancel_at: datetime | None = None
    canceled_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Subscription:
        """From PostgREST's JSON: timestamps arrive as ISO strings."""
        values = {name: row.get(name) for name in COLUMNS}
        for name in DATETIME_COLUMNS:
            values[name] = datetime.fromisoformat(values[name]) if values[name] else None
        values["cancel_at_period_end"] = bool(values["cancel_at_period_end"])
        return cls(**values)

    @classmethod
    def from_stripe(cls, user_id: str, subscription: Mapping[str, Any] | stripe.StripeObject
                    ) -> Subscription:
        """The row as Stripe's subscription object (its price expanded, see EXPAND) makes it.
        Current API versions keep the billing period on the subscription item."""
        if isinstance(subscription, stripe.StripeObject):
            subscription = subscription.to_dict()  # stripe-python's objects aren't plain dicts
        items = subscription["items"]["data"]
        item = items[0] if items else {}
        price = item.get("price") or {}
        return cls(
            user_id=user_id,
            stripe_customer_id=id_of(subscription["customer"]),
            stripe_subscription_id=subscription["id"],
            status=subscription["status"],
            price_id=price.get("id"),
            plan_label=plan_label(price) if price else None,
            unit_amount=price.get("unit_amount"),
            currency=price.get("currency"),
            billing_interval=(price.get("recurring") or {}).get("interval"),
            current_period_end=_from_unix(item.get("current_period_end")),
            cancel_at_period_end=bool(subscription.get("cancel_at_period_end")),
            cancel_at=_from_unix(subscription.get("cancel_at")),
            canceled_at=_from_unix(subscription.get("canceled_at")),
        )

    def to_row(self, synced_at: datetime) -> dict[str, Any]:
        """The JSON the database function `apply_stripe_subscription` takes: this row as read
        from Stripe at `synced_at` (an older read never replaces a newer one)."""
        row = {name: getattr(self, name) for name in COLUMNS}
        for name in DATETIME_COLUMNS:
            row[name] = row[name].astimezone(UTC).isoformat() if row[name] else None
        return {**row, "stripe_synced_at": synced_at.astimezone(UTC).isoformat()}

    @property
    def has_ended(self) -> bool:
        return self.status in ENDED_STATUSES

    @property
    def is_live(self) -> bool:
        """A subscription the user is (still) on: they manage it in the portal."""
        return bool(self.stripe_subscription_id) and not self.has_ended

    @property
    def cancellation_scheduled(self) -> bool:
        """Live, but set to end (at the period's end, or at `cancel_at`): it can be resumed."""
        return self.is_live and (self.cancel_at_period_end or self.cancel_at is not None)

    @property
    def ends_at(self) -> datetime | None:
        """When a scheduled cancellation takes effect."""
        return self.cancel_at or self.current_period_end


COLUMNS = tuple(f.name for f in dataclasses.fields(Subscription))
DATETIME_COLUMNS = ("current_period_end", "cancel_at", "canceled_at")


def is_live(subscription: Subscription | None) -> bool:
    return subscription is not None and subscription.is_live


async def read_own(access_token: str) -> Subscription | None:
    """The caller's row, read with their JWT so RLS decides; None when RLS shows them none.

    The query also filters on the token's `sub`, and callers check the row's user against the
    verified user: a policy loosened by mistake becomes a loud error, not someone else's portal.
    """
    user_id = unverified_claims(access_token).get("sub")  # narrows the query; Auth verifies
    if not isinstance(user_id, str):
        return None
    query = (clients.user_postgrest(access_token).from_("user_subscriptions")
             .select(",".join(COLUMNS)).eq("user_id", user_id).maybe_single())
    found = await clients.execute(query, "the caller's row")
    return Subscription.from_row(found.data) if found is not None else None


async def fetch_from_stripe(subscription_id: str) -> stripe.Subscription:
    """The subscription as Stripe has it now, its price and product expanded. Stripe's errors
    propagate: the webhook tells a missing subscription from a failing Stripe."""
    return await clients.stripe().v1.subscriptions.retrieve_async(
        subscription_id, params={"expand": EXPAND})


async def as_stripe_has_it(row: Subscription) -> Subscription | None:
    """`row` as Stripe's current state would make it; None when it names no subscription."""
    if not row.stripe_subscription_id:
        return None
    try:
        current = await fetch_from_stripe(row.stripe_subscription_id)
    except stripe.StripeError as exc:
        raise UpstreamError(f"Stripe failed: {type(exc).__name__} ({exc.code})") from exc
    return Subscription.from_stripe(row.user_id, current)
