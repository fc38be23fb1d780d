"""Resume subscription: undo a scheduled cancellation in the app, without the portal.

The one implementation behind the billing page's "Resume subscription" and
`POST /api/subscription/resume`. The subscription comes from the caller's own row, read under
RLS, never from the request; Stripe is asked to set `cancel_at_period_end=false`, which also
clears the `cancel_at` it set. Like a portal session, each try that would reach Stripe counts
against Limit.PORTAL first. It never writes the row: the `customer.subscription.updated` webhook
does, so the answer carries the subscription as Stripe now has it, for the page to show at once.

The row's own word on the cancellation is not asked: it may lag Stripe (the webhook of a
cancellation made a moment ago in the portal), and resuming a subscription that isn't set to
end changes nothing at Stripe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from billing_app.billing.account import Account, user_action
from billing_app.billing.subscription import EXPAND, Subscription, is_live
from billing_app.platform import clients, rate_limits
from billing_app.platform.outcomes import NO_SUBSCRIPTION, Outcome, Refusal
from billing_app.platform.rate_limits import Limit


@dataclass(frozen=True)
class Resumed:
    """The subscription as Stripe has it after resuming."""

    subscription: Subscription
    outcome: ClassVar[Outcome] = Outcome.RESUMED


@user_action("resume")
async def resume_subscription(account: Account) -> Resumed | Refusal:
    row = account.subscription
    if not is_live(row):
        return NO_SUBSCRIPTION  # nothing to resume: no subscription, or it has ended
    if (refusal := await rate_limits.refusal(Limit.PORTAL, account.user.id)) is not None:
        return refusal
    updated = await clients.stripe().v1.subscriptions.update_async(
        row.stripe_subscription_id, params={"cancel_at_period_end": False, "expand": EXPAND})
    return Resumed(Subscription.from_stripe(account.user.id, updated))
