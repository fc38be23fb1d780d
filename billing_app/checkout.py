"""Subscribe: a Stripe Checkout Session for a signed-in user who has no live subscription.

`create_checkout_session()` is the one implementation behind the billing page's Subscribe
button and `POST /api/checkout_sessions`. It never writes to the database: the webhook for the
completed session records the subscription (see webhooks.py), because only that handler holds
the service-role key.

The Stripe customer is created once per user and reused: the one in the user's row, else the
one Stripe already has for this user (same email, `metadata.user_id`), else a new one, created
with an idempotency key so two quick clicks can't make two.
"""

from __future__ import annotations

import logging
import time

import stripe

from billing_app import clients
from billing_app.account import load_account_for
from billing_app.auth import User
from billing_app.outcomes import (
    ALREADY_SUBSCRIBED,
    CHECKOUT_FAILED,
    Failure,
    Redirect,
    UpstreamError,
)
from billing_app.settings import get_settings

logger = logging.getLogger(__name__)

# Statuses after which a user may subscribe again; any other means "use the portal instead".
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired"})
PRICE_CACHE_S = 300

_default_price: tuple[float, str] | None = None


async def _price_id() -> str:
    """STRIPE_PRICE_ID, else the first active recurring price (looked up every 5 minutes)."""
    global _default_price
    configured = get_settings().stripe_price_id
    if configured:
        return configured
    if _default_price and time.monotonic() - _default_price[0] < PRICE_CACHE_S:
        return _default_price[1]
    prices = await clients.stripe().v1.prices.list_async(
        params={"active": True, "type": "recurring", "limit": 1}
    )
    if not prices.data:
        raise UpstreamError("Stripe has no active recurring price to sell; set STRIPE_PRICE_ID")
    _default_price = (time.monotonic(), prices.data[0].id)
    return prices.data[0].id


async def _customer_id(user: User, known: str | None) -> str:
    if known:
        return known
    sk = clients.stripe()
    if user.email:
        existing = await sk.v1.customers.list_async(params={"email": user.email, "limit": 100})
        for customer in existing.data:
            if customer.to_dict().get("metadata", {}).get("user_id") == user.id:
                return customer.id
    created = await sk.v1.customers.create_async(
        params={"email": user.email, "metadata": {"user_id": user.id}},
        options={"idempotency_key": f"billing-app-customer-{user.id}"},
    )
    return created.id


async def create_checkout_session(access_token: str | None) -> Redirect | Failure:
    account = await load_account_for("checkout", access_token, CHECKOUT_FAILED)
    if isinstance(account, Failure):
        return account
    row = account.subscription
    if row is not None and row.stripe_subscription_id and row.status not in ENDED_STATUSES:
        return ALREADY_SUBSCRIBED

    user = account.user
    billing_url = get_settings().billing_url
    try:
        price = await _price_id()
        customer = await _customer_id(user, row.stripe_customer_id if row else None)
        session = await clients.stripe().v1.checkout.sessions.create_async(params={
            "mode": "subscription",
            "customer": customer,
            "line_items": [{"price": price, "quantity": 1}],
            "client_reference_id": user.id,
            "metadata": {"user_id": user.id},
            "subscription_data": {"metadata": {"user_id": user.id}},
            "success_url": f"{billing_url}?checkout=success",
            "cancel_url": f"{billing_url}?checkout=canceled",
        })
    except UpstreamError as exc:
        logger.warning("checkout: %s", exc)
        return CHECKOUT_FAILED
    except stripe.StripeError as exc:
        logger.warning("checkout: Stripe failed for user %s: %s", user.id,
                       clients.describe_stripe_error(exc))
        return CHECKOUT_FAILED
    return Redirect(session.url)
