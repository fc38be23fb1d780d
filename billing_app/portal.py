"""Manage Subscription: a fresh Stripe Customer Portal session for the signed-in user.

`create_portal_session()` is the one implementation behind both the billing page's button and
`POST /api/customer_portal`. The Stripe customer always comes from the caller's own row, read
under RLS, never from the request; `return_url` always comes from SITE_URL. Portal URLs are
single-use and short-lived at Stripe, so one is made per click and never stored.

Each user may have PORTAL_RATE_LIMIT sessions made (10 a minute unless set): the count is taken
after the caller is known to have a customer and before Stripe is called, so a refused click
(429 TOO_MANY_REQUESTS, with the seconds to wait) costs Stripe nothing.
"""

from __future__ import annotations

import dataclasses
import logging

import stripe

from billing_app import clients, rate_limits
from billing_app.account import load_account_for
from billing_app.outcomes import (
    NO_SUBSCRIPTION,
    PORTAL_FAILED,
    TOO_MANY_REQUESTS,
    Failure,
    Redirect,
    UpstreamError,
)
from billing_app.settings import get_settings

logger = logging.getLogger(__name__)


async def create_portal_session(access_token: str | None) -> Redirect | Failure:
    account = await load_account_for("portal", access_token, PORTAL_FAILED)
    if isinstance(account, Failure):
        return account
    subscription = account.subscription
    if subscription is None or not subscription.stripe_customer_id:
        return NO_SUBSCRIPTION
    try:
        wait_s = await rate_limits.portal_wait_s(account.user.id)
    except UpstreamError as exc:
        logger.warning("portal: %s", exc)
        return PORTAL_FAILED
    if wait_s is not None:
        logger.info("portal: user %s is over PORTAL_RATE_LIMIT; %s s to wait",
                    account.user.id, wait_s)
        return dataclasses.replace(TOO_MANY_REQUESTS, retry_after_s=wait_s)

    settings = get_settings()
    params: dict = {
        "customer": subscription.stripe_customer_id,
        "return_url": settings.billing_url,
    }
    if settings.stripe_portal_config_id:
        params["configuration"] = settings.stripe_portal_config_id
    try:
        session = await clients.stripe().v1.billing_portal.sessions.create_async(params=params)
    except stripe.StripeError as exc:
        logger.warning("portal: Stripe failed for user %s: %s", account.user.id,
                       clients.describe_stripe_error(exc))
        return PORTAL_FAILED
    return Redirect(session.url)
