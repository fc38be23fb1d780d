"""The caller's own `user_subscriptions` row, read with the caller's JWT so RLS decides.

The service-role key is never used here. The read also filters on the token's `sub`, and the
caller checks the row's `user_id` against the verified user: if a policy were ever loosened by
mistake, a stray row would be a loud error rather than someone else's billing portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx
import jwt
from postgrest.exceptions import APIError

from billing_app import clients
from billing_app.outcomes import UpstreamError

COLUMNS = (
    "user_id,stripe_customer_id,stripe_subscription_id,status,price_id,plan_label,unit_amount,"
    "currency,billing_interval,current_period_end,cancel_at_period_end,cancel_at,canceled_at"
)


@dataclass(frozen=True)
class Subscription:
    user_id: str
    stripe_customer_id: str | None
    stripe_subscription_id: str | None
    status: str | None
    price_id: str | None
    plan_label: str | None
    unit_amount: int | None
    currency: str | None
    billing_interval: str | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    cancel_at: datetime | None
    canceled_at: datetime | None

    @classmethod
    def from_row(cls, row: dict) -> Subscription:
        def when(key: str) -> datetime | None:
            return datetime.fromisoformat(row[key]) if row.get(key) else None

        return cls(
            user_id=row["user_id"],
            stripe_customer_id=row.get("stripe_customer_id"),
            stripe_subscription_id=row.get("stripe_subscription_id"),
            status=row.get("status"),
            price_id=row.get("price_id"),
            plan_label=row.get("plan_label"),
            unit_amount=row.get("unit_amount"),
            currency=row.get("currency"),
            billing_interval=row.get("billing_interval"),
            current_period_end=when("current_period_end"),
            cancel_at_period_end=bool(row.get("cancel_at_period_end")),
            cancel_at=when("cancel_at"),
            canceled_at=when("canceled_at"),
        )


def _claimed_user_id(access_token: str) -> str | None:
    """The token's `sub`, unverified: only used to narrow the query. Auth verifies the token."""
    try:
        sub = jwt.decode(access_token, options={"verify_signature": False}).get("sub")
    except jwt.InvalidTokenError:
        return None
    return sub if isinstance(sub, str) else None


async def read_own(access_token: str) -> Subscription | None:
    """The caller's row, or None when RLS shows them none. UpstreamError when the read fails."""
    user_id = _claimed_user_id(access_token)
    if user_id is None:
        return None
    query = clients.user_postgrest(access_token).from_("user_subscriptions").select(COLUMNS)
    try:
        found = await query.eq("user_id", user_id).maybe_single().execute()
    except APIError as exc:
        raise UpstreamError(f"Supabase REST refused the read: {exc.code} {exc.message}") from exc
    except httpx.HTTPError as exc:
        raise UpstreamError(f"Supabase REST failed: {type(exc).__name__}: {exc}") from exc
    return Subscription.from_row(found.data) if found is not None else None
