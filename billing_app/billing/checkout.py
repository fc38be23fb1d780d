"""Subscribe: a Stripe Checkout Session for a signed-in user who has no live subscription.

The one implementation behind the billing page's Subscribe button and
`POST /api/checkout_sessions`. It never writes to the database: the webhook for the completed
session records the subscription, because only that handler holds the service-role key.
The Stripe customer is created once per user and reused (see `customer_for`). Each try that
would reach Stripe counts against Limit.CHECKOUT first. The price is one the plan picker
offers (billing/catalogue.py), or its default.
"""

from __future__ import annotations

import uuid

import stripe
from babel import Locale

from billing_app.billing import catalogue, locales
from billing_app.billing.account import Account, user_action
from billing_app.billing.subscription import is_live
from billing_app.platform import clients, rate_limits
from billing_app.platform.outcomes import ALREADY_SUBSCRIBED, UNKNOWN_PRICE, Redirect, Refusal
from billing_app.platform.rate_limits import Limit
from billing_app.platform.settings import get_settings
from billing_app.session.supabase_auth import User


async def _existing_customer(user: User) -> str | None:
    """The customer Stripe already has for this user: same email, `metadata.user_id`."""
    if not user.email:
        return None
    existing = await clients.stripe().v1.customers.list_async(
        params={"email": user.email, "limit": 100})
    for customer in existing.data:
        if customer.to_dict().get("metadata", {}).get("user_id") == user.id:
            return customer.id
    return None


def _replayed_failure(exc: stripe.StripeError) -> bool:
    """Stripe answered with the failure it saved for the key earlier (a 500 is saved too, and
    replayed for 24 hours), not with a fresh attempt."""
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    return headers.get("idempotent-replayed") == "true"


async def customer_for(user: User, known: str | None) -> str:
    """The user's Stripe customer: the one in their row; else the one Stripe already has for
    them; else a new one.

    A new customer is made with the fixed key `billing-app-customer-<user id>`, so two quick
    clicks (or two browser tabs) make one customer. Stripe saves the first result for a key
    even when it is a 500, and replays it for a day, so that key alone could keep a user from
    subscribing for a day after one Stripe failure. So when Stripe answers with a replayed
    failure, the failed attempt is over: look for a customer it may have made after all, and
    otherwise make one under a key of its own. The click that met the 500 reports it; the next
    one succeeds."""
    if known:
        return known
    if (found := await _existing_customer(user)) is not None:
        return found
    params = {"email": user.email, "metadata": {"user_id": user.id}}
    sk = clients.stripe()
    try:
        created = await sk.v1.customers.create_async(
            params=params, options={"idempotency_key": f"billing-app-customer-{user.id}"})
    except stripe.StripeError as exc:
        if not _replayed_failure(exc):
            raise
        if (found := await _existing_customer(user)) is not None:
            return found
        created = await sk.v1.customers.create_async(
            params=params,
            options={"idempotency_key": f"billing-app-customer-{user.id}-{uuid.uuid4().hex}"})
    return created.id


@user_action("checkout")
async def create_checkout_session(account: Account, price: str | None = None,
                                  locale: Locale | None = None) -> Redirect | Refusal:
    """Checkout for `price` (one the catalogue offers; UNKNOWN_PRICE otherwise), or without
    one for the default price; in the user's `locale` where Checkout has it, else "auto"."""
    if price is not None and not await catalogue.offered(price):
        return UNKNOWN_PRICE
    row = account.subscription
    if is_live(row):
        return ALREADY_SUBSCRIBED
    user = account.user
    if (refusal := await rate_limits.refusal(Limit.CHECKOUT, user.id)) is not None:
        return refusal
    billing_url = get_settings().billing_url
    price = price or await catalogue.default_price()
    customer = await customer_for(user, row.stripe_customer_id if row else None)
    session = await clients.stripe().v1.checkout.sessions.create_async(params={
        "mode": "subscription",
        "customer": customer,
        "locale": locales.stripe_locale(locale, locales.CHECKOUT_LOCALES),
        "line_items": [{"price": price, "quantity": 1}],
        "client_reference_id": user.id,
        "metadata": {"user_id": user.id},
        "subscription_data": {"metadata": {"user_id": user.id}},
        "success_url": f"{billing_url}?checkout=success",
        "cancel_url": f"{billing_url}?checkout=canceled",
    })
    return Redirect(session.url)
