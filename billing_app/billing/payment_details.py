"""What the billing page shows from Stripe beside the plan: the card the subscription is paid
with, and the next payment.

Read for the caller's own row (its subscription and customer, read under RLS), with two Stripe
calls at once: the subscription with its payment methods expanded, and the invoice preview.
Stripe charges the subscription's own `default_payment_method` first, else the customer's
`invoice_settings.default_payment_method`, so that is the card shown. The next payment is the
preview of the subscription's next invoice (`POST /v1/invoices/create_preview`, this API
version's upcoming invoice); Stripe answers `invoice_upcoming_none` when nothing more will be
billed (a cancellation at the period's end), which is no next payment, not a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe

from billing_app.billing.subscription import Subscription
from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError, describe_stripe_error

# The subscription's payment method, and the customer's (used when it has none of its own).
EXPAND = ["default_payment_method", "customer.invoice_settings.default_payment_method"]
NOTHING_MORE_TO_BILL = "invoice_upcoming_none"


@dataclass(frozen=True)
class PaymentMethod:
    """A payment method as the page names it; `brand`, `last4` and the expiry for cards."""

    type: str
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True)
class NextPayment:
    amount_due: int  # in the currency's smallest unit, as Stripe counts it
    currency: str
    at: datetime


@dataclass(frozen=True)
class PaymentDetails:
    payment_method: PaymentMethod | None
    next_payment: NextPayment | None


def payment_method_of(subscription: Mapping[str, Any]) -> PaymentMethod | None:
    """The method Stripe will charge: the subscription's own default, else its customer's
    (both expanded, see EXPAND)."""
    customer = subscription.get("customer")
    customers = (customer.get("invoice_settings") or {}) if isinstance(customer, Mapping) else {}
    for method in (subscription.get("default_payment_method"),
                   customers.get("default_payment_method")):
        if isinstance(method, Mapping):
            card = method.get("card") or {}
            return PaymentMethod(type=method.get("type") or "unknown", brand=card.get("brand"),
                                 last4=card.get("last4"), exp_month=card.get("exp_month"),
                                 exp_year=card.get("exp_year"))
    return None


def next_payment_of(preview: Mapping[str, Any]) -> NextPayment:
    """The preview's amount due and when it is billed: the invoice's date, the moment the
    subscription renews (or its trial ends)."""
    return NextPayment(amount_due=preview["amount_due"], currency=preview["currency"],
                       at=datetime.fromtimestamp(preview["created"], UTC))


async def _next_payment(row: Subscription) -> NextPayment | None:
    try:
        preview = await clients.stripe().v1.invoices.create_preview_async(params={
            "customer": row.stripe_customer_id, "subscription": row.stripe_subscription_id})
    except stripe.InvalidRequestError as exc:
        if exc.code == NOTHING_MORE_TO_BILL:
            return None
        raise
    return next_payment_of(preview.to_dict())


async def _payment_method(row: Subscription) -> PaymentMethod | None:
    subscription = await clients.stripe().v1.subscriptions.retrieve_async(
        row.stripe_subscription_id, params={"expand": EXPAND})
    return payment_method_of(subscription.to_dict())


async def read_payment_details(row: Subscription) -> PaymentDetails:
    """The card and the next payment of the row's subscription, read at once. A scheduled
    cancellation has no next payment, and Stripe isn't asked for one. UpstreamError when
    Stripe fails."""
    try:
        if row.cancellation_scheduled:
            method, upcoming = await _payment_method(row), None
        else:
            method, upcoming = await asyncio.gather(_payment_method(row), _next_payment(row))
    except stripe.StripeError as exc:
        raise UpstreamError(f"Stripe failed: {describe_stripe_error(exc)}") from exc
    return PaymentDetails(method, upcoming)
