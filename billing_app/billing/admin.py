"""Service-role access to the database: PAST ROW-LEVEL SECURITY.

Only the Stripe webhook handler uses this module. Nothing that a browser or API caller can
steer reaches it without a verified Stripe signature first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from billing_app.platform import clients
from billing_app.platform.outcomes import Outcome

# PostgreSQL's foreign_key_violation: the user the event names no longer exists (or never did).
FOREIGN_KEY_VIOLATION = "23503"


class UnknownUser(Exception):
    """The row's user does not exist in auth.users: retrying will never help."""


async def event_seen(event_id: str) -> bool:
    """Whether this Stripe event was applied already."""
    query = (clients.service_postgrest().from_("stripe_webhook_events").select("id")
             .eq("id", event_id).limit(1))
    return bool((await clients.execute(query, "the event lookup")).data)


async def user_for_customer(customer_id: str) -> str | None:
    """The user whose row holds this Stripe customer, if any."""
    query = (clients.service_postgrest().from_("user_subscriptions").select("user_id")
             .eq("stripe_customer_id", customer_id).limit(1))
    rows = (await clients.execute(query, "the customer lookup")).data
    return rows[0]["user_id"] if rows else None


async def apply_subscription(event_id: str, event_type: str, event_created: datetime,
                             row: dict[str, Any]) -> Outcome:
    """Record the event and write the row in one transaction (the migration
    `apply_stripe_subscription`): APPLIED, DUPLICATE, STALE (an older read) or KEPT (late news
    of an old subscription). UnknownUser when the row's user doesn't exist."""
    query = clients.service_postgrest().rpc("apply_stripe_subscription", {
        "event_id": event_id,
        "event_type": event_type,
        "event_created": event_created.isoformat(),
        "subscription": row,
    })
    try:
        return Outcome((await clients.execute(query, "the subscription write")).data)
    except clients.RestRefused as exc:
        if exc.code == FOREIGN_KEY_VIOLATION:
            raise UnknownUser(str(exc)) from exc
        raise
