"""After the portal: has Stripe moved on from the user's row? Then a webhook is on its way.

The billing page asks this once when the user comes back from the portal, and if the answer is
yes it re-reads the row for a few seconds until the webhook has written Stripe's state.
"""

from __future__ import annotations

from datetime import UTC, datetime

import stripe

from billing_app import clients
from billing_app.outcomes import UpstreamError
from billing_app.subscription_rows import EXPAND, row_from_subscription
from billing_app.subscriptions import Subscription


async def stripe_view(row: Subscription) -> Subscription | None:
    """The row as Stripe's current state would make it; None when there is nothing to compare."""
    if not row.stripe_subscription_id:
        return None
    try:
        current = await clients.stripe().v1.subscriptions.retrieve_async(
            row.stripe_subscription_id, params={"expand": EXPAND}
        )
    except stripe.StripeError as exc:
        raise UpstreamError(f"Stripe failed: {type(exc).__name__} ({exc.code})") from exc
    return Subscription.from_row(row_from_subscription(row.user_id, current, datetime.now(UTC)))
