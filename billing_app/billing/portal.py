"""Manage Subscription: a fresh Stripe Customer Portal session for the signed-in user.

The one implementation behind the billing page's button and `POST /api/customer_portal`. The
Stripe customer always comes from the caller's own row, read under RLS, never from the request;
`return_url` always comes from SITE_URL. Portal URLs are single-use and short-lived, so one is
made per click and never stored. The rate limit (Limit.PORTAL) is counted once the caller is
known to have a customer and before Stripe is called, so a refused click costs Stripe nothing.
"""

from __future__ import annotations

from billing_app.billing.account import Account, user_action
from billing_app.platform import clients, rate_limits
from billing_app.platform.outcomes import NO_SUBSCRIPTION, Redirect, Refusal
from billing_app.platform.rate_limits import Limit
from billing_app.platform.settings import get_settings


def session_params(customer: str) -> dict:
    """A portal session's parameters for `customer`: SITE_URL's billing page to return to, and
    STRIPE_CUSTOMER_PORTAL_CONFIG_ID when set (else Stripe uses the saved default)."""
    settings = get_settings()
    params: dict = {"customer": customer, "return_url": settings.billing_url}
    if settings.stripe_portal_config_id:
        params["configuration"] = settings.stripe_portal_config_id
    return params


@user_action("portal")
async def create_portal_session(account: Account) -> Redirect | Refusal:
    row = account.subscription
    if row is None or not row.stripe_customer_id:
        return NO_SUBSCRIPTION
    if (refusal := await rate_limits.refusal(Limit.PORTAL, account.user.id)) is not None:
        return refusal

    session = await clients.stripe().v1.billing_portal.sessions.create_async(
        params=session_params(row.stripe_customer_id))
    return Redirect(session.url)
