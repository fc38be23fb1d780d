"""Charging invoices: which payment method pays, what a decline does, what a payment does to
the invoice's subscription, and `POST /v1/invoices/{id}/pay`."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..errors import card_declined, invalid_request, no_payment_method
from ..params import as_str
from ..routes import AUTOMATIC, Call, Origin, Route
from . import invoices, payment_methods
from .events import publish_changes

if TYPE_CHECKING:
    from ..account import Account

# Statuses a paid latest invoice returns to `active`; a failed renewal moves a live
# subscription to `past_due` (payment_behavior=allow_incomplete, Stripe's default for updates).
UNPAID_STATUSES = ("incomplete", "past_due", "unpaid")


def payment_method_for(
    account: Account, invoice: dict[str, Any], subscription: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The payment method Stripe charges: the invoice's, else the subscription's default, else
    the customer's `invoice_settings.default_payment_method`."""
    customer = account.state.customers[invoice["customer"]]
    candidates = (
        invoice["default_payment_method"],
        (subscription or {}).get("default_payment_method"),
        customer["invoice_settings"]["default_payment_method"],
    )
    stored = account.state.payment_methods
    return next((stored[pm] for pm in candidates if pm in stored), None)


def collect(
    account: Account,
    invoice: dict[str, Any],
    subscription: dict[str, Any],
    at: int,
    payment_method: dict[str, Any] | None = None,
    origin: Origin = AUTOMATIC,
) -> bool:
    """Finalize a draft and charge it; True when it ends paid. The caller holds the lock. A
    stored subscription follows the outcome (a new one is not stored yet: its creator sets
    its status)."""
    if invoice["status"] == "draft":
        invoices.finalize(account, invoice, at, origin)
    if invoice["amount_due"] == 0:
        invoices.mark_paid(account, invoice, at, False, origin)
        paid = True
    else:
        method = payment_method or payment_method_for(account, invoice, subscription)
        paid = method is not None and not payment_methods.declines(method)
        if paid:
            invoices.mark_paid(account, invoice, at, True, origin)
        else:
            invoices.mark_failed(account, invoice, origin)
    _follow(account, invoice, subscription, paid, origin)
    return paid


def _follow(
    account: Account,
    invoice: dict[str, Any],
    subscription: dict[str, Any],
    paid: bool,
    origin: Origin,
) -> None:
    stored = account.state.subscriptions.get(subscription["id"])
    if stored is None or stored["latest_invoice"] != invoice["id"]:
        return
    draft = copy.deepcopy(stored)
    if paid and stored["status"] in UNPAID_STATUSES:
        draft["status"] = "active"
    elif not paid and stored["status"] in ("active", "trialing"):
        draft["status"] = "past_due"
    publish_changes(account, stored, draft, "customer.subscription.updated", origin)


async def pay_with_card(account: Account, invoice_id: str, card: str) -> bool:
    """The hosted invoice page's Pay button: charge a test card once, without saving it."""
    async with account.lock:
        invoice = account.state.invoices[invoice_id]
        if invoice["status"] not in ("open", "uncollectible"):
            raise invalid_request(f"This invoice is {invoice['status']} and can't be paid.")
        method = payment_methods.find(account, card, param="card", status=400)
        subscription = account.state.subscriptions[invoices.subscription_of(invoice)]
        return collect(account, invoice, subscription, account.now(), method)


async def _pay(call: Call) -> dict[str, Any]:
    """Pay an open (or uncollectible) invoice now, with `payment_method` (attached to the
    customer) or the default one. A decline is a 402 `card_declined`, and the failed attempt
    stays recorded, as on Stripe."""
    account = call.account
    async with account.lock:
        invoice = account.get("invoices", "invoice", call.path["id"])
        if invoice["status"] == "paid":
            raise invalid_request("Invoice is already paid")
        if invoice["status"] == "void":
            raise invalid_request("This invoice is void and can no longer be paid.")
        subscription = account.state.subscriptions[invoices.subscription_of(invoice)]
        if "payment_method" in call.params:
            given = as_str(call.params["payment_method"], "payment_method")
            method = payment_methods.attached(account, invoice["customer"], given, "payment_method")
        else:
            method = payment_method_for(account, invoice, subscription)
        if method is None and invoice["amount_due"] > 0:
            raise no_payment_method()
        paid = collect(account, invoice, subscription, account.now(), method, call.origin)
    if not paid:
        raise card_declined()
    return invoice


ROUTES = (Route("POST", "/v1/invoices/{id}/pay", "InvoicePayParams", ("payment_method",), _pay),)
