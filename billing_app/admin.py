"""Service-role access to the database: PAST ROW-LEVEL SECURITY.

Only the Stripe webhook handler uses this module. Nothing that a browser or API caller can
steer reaches it without a verified Stripe signature first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from postgrest.exceptions import APIError

from billing_app import clients
from billing_app.outcomes import UpstreamError

# PostgreSQL's foreign_key_violation: the user the event names no longer exists (or never did).
FOREIGN_KEY_VIOLATION = "23503"


class UnknownUser(Exception):
    """The row's user does not exist in auth.users: retrying will never help."""


async def _execute(query: Any) -> Any:
    try:
        return await query.execute()
    except APIError as exc:
        if exc.code == FOREIGN_KEY_VIOLATION:
            raise UnknownUser(exc.message) from exc
        raise UpstreamError(f"Supabase REST refused a service-role call: {exc.code} {exc.message}") from exc
    except httpx.HTTPError as exc:
        raise UpstreamError(f"Supabase REST failed: {type(exc).__name__}: {exc}") from exc


async def event_seen(event_id: str) -> bool:
    """Whether this Stripe event was applied already."""
    query = clients.service_postgrest().from_("stripe_webhook_events").select("id").eq("id", event_id)
    return bool((await _execute(query.limit(1))).data)


async def user_for_customer(customer_id: str) -> str | None:
    """The user whose row holds this Stripe customer, if any."""
    query = (clients.service_postgrest().from_("user_subscriptions").select("user_id")
             .eq("stripe_customer_id", customer_id).limit(1))
    rows = (await _execute(query)).data
    return rows[0]["user_id"] if rows else None


async def apply_subscription(event_id: str, event_type: str, event_created: datetime,
                             row: dict[str, Any]) -> str:
    """Record the event and write the row in one transaction (see the migration
    `apply_stripe_subscription`). Returns 'applied', 'duplicate', 'stale' or 'kept'."""
    query = clients.service_postgrest().rpc("apply_stripe_subscription", {
        "event_id": event_id,
        "event_type": event_type,
        "event_created": event_created.isoformat(),
        "subscription": row,
    })
    return (await _execute(query)).data
