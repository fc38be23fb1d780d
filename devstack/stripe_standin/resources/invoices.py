"""Invoices: the object and its lines, the steps of its life (draft, open, paid, void,
uncollectible) with their events, and their routes. Charging one is `collection.py`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..display import price_label, product_name
from ..errors import invalid_request
from ..ids import new_id, portal_secret
from ..params import as_enum, documented_values
from ..routes import AUTOMATIC, LIST_PARAMS, Call, Origin, Route, matching, page, retrieve
from .events import publish

if TYPE_CHECKING:
    from ..account import Account

# Stripe drafts a renewal invoice, then finalizes and charges it about an hour later (Stripe's
# event docs for `invoice.created`; renewal invoices show `finalized_at` about an hour after
# `created`). A subscription's first invoice is finalized and charged at once.
DRAFT_HOURS = 3600
STATUSES = documented_values("InvoiceListParams", "status")


def line_spec(
    price: dict[str, Any],
    amount: int,
    description: str,
    period: tuple[int, int],
    subscription_item: str,
    *,
    quantity: int = 1,
    proration: bool = False,
) -> dict[str, Any]:
    """What one invoice line says, before it belongs to an invoice (prorations wait as these
    until the next invoice, as Stripe's pending invoice items do)."""
    return {
        "id": new_id("ii_1") if proration else None,
        "amount": amount,
        "description": description,
        "price": price["id"],
        "product": price["product"],
        "unit_amount": price["unit_amount"],
        "quantity": quantity,
        "period": {"start": period[0], "end": period[1]},
        "proration": proration,
        "subscription_item": subscription_item,
    }


def period_spec(
    account: Account, item: dict[str, Any], period: tuple[int, int], *, trial: bool = False
) -> dict[str, Any]:
    """The line for one billing period of a subscription item: "1 × Pro (at $20.00 / month)",
    or "Trial period for Pro" at no charge."""
    price, quantity = item["price"], item["quantity"]
    name = product_name(account.state, price)
    if trial:
        return line_spec(price, 0, f"Trial period for {name}", period, item["id"])
    description = f"{quantity} × {name} (at {price_label(price)})"
    amount = price["unit_amount"] * quantity
    return line_spec(price, amount, description, period, item["id"], quantity=quantity)


def line_object(
    spec: dict[str, Any], invoice_id: str, subscription_id: str, currency: str, line_id: str
) -> dict[str, Any]:
    return {
        "id": line_id,
        "object": "line_item",
        "amount": spec["amount"],
        "currency": currency,
        "description": spec["description"],
        "discount_amounts": [],
        "discountable": not spec["proration"],
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": spec["id"],
                "proration": spec["proration"],
                "proration_details": {"credited_items": None},
                "subscription": subscription_id,
                "subscription_item": spec["subscription_item"],
            },
            "type": "subscription_item_details",
        },
        "period": dict(spec["period"]),
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": spec["price"], "product": spec["product"]},
            "type": "price_details",
            "unit_amount_decimal": str(spec["unit_amount"]),
        },
        "quantity": spec["quantity"],
        "quantity_decimal": str(spec["quantity"]),
        "subscription": subscription_id,
        "subtotal": spec["amount"],
        "taxes": [],
    }


def invoice_object(
    invoice_id: str,
    customer: dict[str, Any],
    subscription: dict[str, Any],
    specs: Iterable[dict[str, Any]],
    reason: str,
    created: int,
    period: tuple[int, int],
    *,
    line_prefix: str,
) -> dict[str, Any]:
    """A draft invoice for `subscription`'s lines. In the pinned API version the subscription
    is named under `parent.subscription_details`, not at the top level (stripe-python 16.1's
    `Invoice` has no `subscription` field; each line still has one)."""
    currency = subscription["currency"]
    lines = [
        line_object(spec, invoice_id, subscription["id"], currency, new_id(line_prefix))
        for spec in specs
    ]
    total = sum(line["amount"] for line in lines)
    due = max(total, 0)
    return {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Devstack",
        "account_tax_ids": None,
        "amount_due": due,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": due,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": reason,
        "collection_method": "charge_automatically",
        "created": created,
        "currency": currency,
        "custom_fields": None,
        "customer": customer["id"],
        "customer_account": None,
        "customer_address": None,
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": None,
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": lines,
            "has_more": False,
            "total_count": len(lines),
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": {
            "quote_details": None,
            "subscription_details": {
                "metadata": dict(subscription["metadata"]),
                "subscription": subscription["id"],
                "subscription_proration_date": None,
            },
            "type": "subscription_details",
        },
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "period_end": period[1],
        "period_start": period[0],
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_details": None,
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "test_clock": None,
        "threshold_reason": None,
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": None,
    }


def subscription_of(invoice: dict[str, Any]) -> str:
    return invoice["parent"]["subscription_details"]["subscription"]


def build(
    account: Account,
    subscription: dict[str, Any],
    specs: Iterable[dict[str, Any]],
    reason: str,
    created: int,
    period: tuple[int, int],
    *,
    preview: bool = False,
) -> dict[str, Any]:
    """A draft invoice for `subscription`, not stored; a preview's ids start `upcoming_in_`
    (its lines' `il_tmp_`), as Stripe's do."""
    customer = account.state.customers[subscription["customer"]]
    invoice_prefix, line_prefix = ("upcoming_in_1", "il_tmp_1") if preview else ("in_1", "il_1")
    return invoice_object(
        new_id(invoice_prefix), customer, subscription, specs, reason, created, period,
        line_prefix=line_prefix,
    )


def open_draft(
    account: Account,
    invoice: dict[str, Any],
    origin: Origin = AUTOMATIC,
    *,
    finalizes_later: bool = False,
) -> dict[str, Any]:
    """Store a draft from `build` and publish `invoice.created`; the caller holds the lock. A
    renewal's draft finalizes itself an hour later (`automatically_finalizes_at`)."""
    created = invoice["created"]
    if finalizes_later:
        invoice["automatically_finalizes_at"] = created + DRAFT_HOURS
        invoice["next_payment_attempt"] = created + DRAFT_HOURS
    invoice["webhooks_delivered_at"] = created
    account.state.invoices[invoice["id"]] = invoice
    publish(account, "invoice.created", invoice, origin)
    return invoice


def finalize(
    account: Account, invoice: dict[str, Any], at: int, origin: Origin = AUTOMATIC
) -> None:
    """Draft -> open: a number from the customer's sequence and a hosted page."""
    customer = account.state.customers[invoice["customer"]]
    sequence = customer["next_invoice_sequence"]
    customer["next_invoice_sequence"] = sequence + 1
    secret = portal_secret()
    account.state.invoice_links[secret] = invoice["id"]
    invoice.update(
        status="open",
        number=f"{customer['invoice_prefix']}-{sequence:04d}",
        automatically_finalizes_at=None,
        effective_at=at,
        ending_balance=0,
        hosted_invoice_url=f"{account.public_base}/i/{secret}",
        next_payment_attempt=at,
    )
    invoice["status_transitions"]["finalized_at"] = at
    publish(account, "invoice.finalized", invoice, origin)


def mark_paid(
    account: Account, invoice: dict[str, Any], at: int, charged: bool, origin: Origin = AUTOMATIC
) -> None:
    """Stripe sends both `invoice.paid` and `invoice.payment_succeeded` (stripe-python 16.1
    still lists both event types)."""
    invoice.update(
        status="paid",
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        attempted=True,
        attempt_count=invoice["attempt_count"] + int(charged),
        auto_advance=False,
        next_payment_attempt=None,
    )
    invoice["status_transitions"]["paid_at"] = at
    publish(account, "invoice.paid", invoice, origin)
    publish(account, "invoice.payment_succeeded", invoice, origin)


def mark_failed(account: Account, invoice: dict[str, Any], origin: Origin = AUTOMATIC) -> None:
    """A failed attempt: the invoice stays open. (Stripe's automatic retries are not modelled,
    so no next attempt is scheduled.)"""
    invoice.update(
        attempted=True, attempt_count=invoice["attempt_count"] + 1, next_payment_attempt=None
    )
    publish(account, "invoice.payment_failed", invoice, origin)


def close(
    account: Account, invoice: dict[str, Any], status: str, at: int, origin: Origin = AUTOMATIC
) -> None:
    """Open (or uncollectible, for `void`) -> void or uncollectible, as Stripe allows."""
    allowed = ("open", "uncollectible") if status == "void" else ("open",)
    if invoice["status"] not in allowed:
        raise invalid_request(
            f"This invoice can't be marked {status} because its status is {invoice['status']}."
        )
    stamp = "voided_at" if status == "void" else "marked_uncollectible_at"
    invoice.update(status=status, auto_advance=False, next_payment_attempt=None)
    if status == "void":
        invoice["amount_remaining"] = 0
    invoice["status_transitions"][stamp] = at
    kind = "voided" if status == "void" else "marked_uncollectible"
    publish(account, f"invoice.{kind}", invoice, origin)


async def _close(call: Call, status: str) -> dict[str, Any]:
    async with call.account.lock:
        invoice = call.account.get("invoices", "invoice", call.path["id"])
        close(call.account, invoice, status, call.account.now(), call.origin)
    return invoice


def _list(call: Call) -> dict[str, Any]:
    params = call.params
    filters = matching(params, "customer")
    if "status" in params:
        wanted = as_enum(params["status"], "status", STATUSES)
        filters.append(lambda invoice: invoice["status"] == wanted)
    if "subscription" in params:
        subscription = params["subscription"]
        filters.append(lambda invoice: subscription_of(invoice) == subscription)
    return page(call, "invoices", "invoice", filters)


ROUTES = (
    Route(
        "GET", "/v1/invoices", "InvoiceListParams",
        ("customer", "status", "subscription", *LIST_PARAMS), _list,
    ),
    Route("GET", "/v1/invoices/{id}", "InvoiceRetrieveParams", (), retrieve("invoices", "invoice")),
    Route(
        "POST", "/v1/invoices/{id}/void", "InvoiceVoidInvoiceParams", (),
        lambda call: _close(call, "void"),
    ),
    Route(
        "POST", "/v1/invoices/{id}/mark_uncollectible", "InvoiceMarkUncollectibleParams", (),
        lambda call: _close(call, "uncollectible"),
    ),
)
