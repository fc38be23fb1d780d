"""Manage Subscription, and the portal's deep links: a fresh Stripe Customer Portal session for
the signed-in user, on its home page or inside one flow (`PortalFlow`).

The one implementation behind the billing page's buttons (Manage Subscription, Update payment
method, Change plan, Cancel plan) and `POST /api/customer_portal`. The Stripe customer, and a
flow's subscription, always come from the caller's own row, read under RLS, never from the
request; `return_url` and a flow's redirect always come from SITE_URL. Portal URLs are
single-use and short-lived, so one is made per click and never stored. The rate limit
(Limit.PORTAL) is counted once the caller is known to have what the session needs and before
Stripe is called, so a refused click costs Stripe nothing.
"""

from __future__ import annotations

from enum import StrEnum

from babel import Locale

from billing_app.billing import locales
from billing_app.billing.account import Account, user_action
from billing_app.billing.subscription import Subscription
from billing_app.platform import clients, rate_limits
from billing_app.platform.outcomes import (
    CANCELLATION_SCHEDULED,
    NO_SUBSCRIPTION,
    Redirect,
    Refusal,
)
from billing_app.platform.rate_limits import Limit
from billing_app.platform.settings import get_settings


class PortalFlow(StrEnum):
    """The portal's single-action pages the app links to (Stripe's `flow_data.type`)."""

    PAYMENT_METHOD_UPDATE = "payment_method_update"
    SUBSCRIPTION_UPDATE = "subscription_update"
    SUBSCRIPTION_CANCEL = "subscription_cancel"


# Flows about the subscription itself (Stripe needs its id, and refuses an ended one).
SUBSCRIPTION_FLOWS = frozenset({PortalFlow.SUBSCRIPTION_UPDATE, PortalFlow.SUBSCRIPTION_CANCEL})


def session_params(customer: str) -> dict:
    """A portal session's parameters for `customer`: SITE_URL's billing page to return to, and
    STRIPE_CUSTOMER_PORTAL_CONFIG_ID when set (else Stripe uses the saved default)."""
    settings = get_settings()
    params: dict = {"customer": customer, "return_url": settings.billing_url}
    if settings.stripe_portal_config_id:
        params["configuration"] = settings.stripe_portal_config_id
    return params


def refusal_for(row: Subscription | None, flow: PortalFlow | None) -> Refusal | None:
    """Why this row can't have a portal session (for `flow`), or None. The portal's home page
    needs a customer, in any status (users go there for invoices or to reactivate); the
    subscription flows need a live subscription, and cancelling one that is already set to end
    is refused here rather than by Stripe."""
    if row is None or not row.stripe_customer_id:
        return NO_SUBSCRIPTION
    if flow in SUBSCRIPTION_FLOWS and not row.is_live:
        return NO_SUBSCRIPTION
    if flow is PortalFlow.SUBSCRIPTION_CANCEL and row.cancellation_scheduled:
        return CANCELLATION_SCHEDULED
    return None


def flow_data(flow: PortalFlow, row: Subscription, return_url: str) -> dict:
    """Stripe's `flow_data` for `flow`: the subscription from the row, and back to `return_url`
    once the customer is done (docs.stripe.com/customer-management/portal-deep-links)."""
    data: dict = {
        "type": flow.value,
        "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}},
    }
    if flow in SUBSCRIPTION_FLOWS:
        data[flow.value] = {"subscription": row.stripe_subscription_id}
    return data


@user_action("portal")
async def create_portal_session(account: Account, flow: PortalFlow | None = None,
                                locale: Locale | None = None) -> Redirect | Refusal:
    """The portal's home page, or one `flow`, in the user's `locale` where the portal has it,
    else "auto"."""
    row = account.subscription
    if (refusal := refusal_for(row, flow)) is not None:
        return refusal
    if (refusal := await rate_limits.refusal(Limit.PORTAL, account.user.id)) is not None:
        return refusal

    params = session_params(row.stripe_customer_id)  # refusal_for made sure there is one
    params["locale"] = locales.stripe_locale(locale, locales.PORTAL_LOCALES)
    if flow is not None:
        params["flow_data"] = flow_data(flow, row, params["return_url"])
    session = await clients.stripe().v1.billing_portal.sessions.create_async(params=params)
    return Redirect(session.url)
