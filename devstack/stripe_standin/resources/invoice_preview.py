"""The invoice preview of the pinned API version, `POST /v1/invoices/create_preview`: the next
invoice of a subscription, or of a change to it, computed and never stored."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..clock import period_containing
from ..errors import StripeError, invalid_request, parameter_missing
from ..params import as_bool, as_dict, as_enum, as_int, as_list, as_str, missing
from ..routes import Call, Route
from . import customers, subscriptions
from .catalogue import subscribable_price
from .cycles import ENDED_STATUSES
from .invoices import DRAFT_HOURS, build, period_spec
from .plan_changes import change_plan, invoice_lines

if TYPE_CHECKING:
    from ..account import Account

DETAILS = "subscription_details"


def no_upcoming_invoice(customer_id: str) -> StripeError:
    """Stripe's answer when nothing more will be billed: a subscription that ends before its
    next renewal, or none at all (error code `invoice_upcoming_none`, 404)."""
    return StripeError(
        f"No upcoming invoices for customer: {customer_id}",
        status=404,
        code="invoice_upcoming_none",
    )


def _next_renewal(
    account: Account, draft: dict[str, Any], pending: list[dict[str, Any]]
) -> dict[str, Any]:
    """The invoice the next renewal (or the end of the trial) will make: drafted at the end of
    the current period, charged about an hour later."""
    item = draft["items"]["data"][0]
    if draft["cancel_at"] is not None and draft["cancel_at"] <= item["current_period_end"]:
        raise no_upcoming_invoice(draft["customer"])
    moment = item["current_period_end"]
    recurring = item["price"]["recurring"]
    anchor = draft["billing_cycle_anchor"]
    period = period_containing(anchor, recurring["interval"], recurring["interval_count"], moment)
    specs = [*pending, period_spec(account, item, period)]
    previous = (item["current_period_start"], moment)
    invoice = build(account, draft, specs, "subscription_cycle", moment, previous, preview=True)
    invoice["automatically_finalizes_at"] = moment + DRAFT_HOURS
    invoice["next_payment_attempt"] = moment + DRAFT_HOURS
    return invoice


def preview_change(
    account: Account, subscription: dict[str, Any], details: Mapping[str, Any], at: int
) -> dict[str, Any]:
    """The next invoice of `subscription` with `subscription_details` applied: the invoice a
    change makes at once, if it makes one, else the next renewal's."""
    if subscription["status"] in ENDED_STATUSES:
        raise no_upcoming_invoice(subscription["customer"])
    draft = copy.deepcopy(subscription)
    behavior = as_enum(
        details.get("proration_behavior", "create_prorations"),
        f"{DETAILS}[proration_behavior]",
        subscriptions.PRORATION_BEHAVIORS,
    )
    prorate_at = (
        as_int(details["proration_date"], f"{DETAILS}[proration_date]")
        if "proration_date" in details
        else None
    )
    items = as_list(details["items"], f"{DETAILS}[items]") if "items" in details else None
    change = change_plan(
        account, draft, items, behavior=behavior, at=at, prorate_at=prorate_at,
        prefix=f"{DETAILS}[items]",
    )
    if "cancel_at_period_end" in details:
        cancel = as_bool(details["cancel_at_period_end"], f"{DETAILS}[cancel_at_period_end]")
        item_end = draft["items"]["data"][0]["current_period_end"]
        draft.update(cancel_at_period_end=cancel, cancel_at=item_end if cancel else None)
    pending = account.state.pending_items.get(subscription["id"], [])
    if change.invoice_now:
        lines = invoice_lines(account, draft, pending, change)
        return build(account, draft, lines, "subscription_update", at, (at, at), preview=True)
    return _next_renewal(account, draft, [*pending, *change.prorations])


def _preview_new(
    account: Account, customer: dict[str, Any], details: Mapping[str, Any], at: int
) -> dict[str, Any]:
    """The first invoice of a subscription to `subscription_details[items][0][price]`."""
    items = as_list(details["items"], f"{DETAILS}[items]")
    param = f"{DETAILS}[items][0][price]"
    given = as_dict(items[0], f"{DETAILS}[items][0]").get("price") if items else None
    price = subscribable_price(account, given or missing(param), param)
    draft = subscriptions.subscription_object(customer["id"], price, 1, {}, at)
    item = draft["items"]["data"][0]
    first = period_spec(account, item, (at, item["current_period_end"]))
    return build(account, draft, [first], "subscription_create", at, (at, at), preview=True)


async def create_preview(call: Call) -> dict[str, Any]:
    account, params = call.account, call.params
    details = as_dict(params.get(DETAILS, {}), DETAILS)
    async with account.lock:
        at = account.now()
        customer = None
        if params.get("customer"):
            customer = customers.find(
                account, as_str(params["customer"], "customer"), param="customer", status=400
            )
        if params.get("subscription"):
            subscription = subscriptions.find(
                account, as_str(params["subscription"], "subscription"),
                param="subscription", status=400,
            )
            if customer is not None and subscription["customer"] != customer["id"]:
                raise invalid_request(
                    f"The subscription `{subscription['id']}` does not belong to the customer "
                    f"`{customer['id']}`.",
                    param="subscription",
                )
            return preview_change(account, subscription, details, at)
        if customer is None:
            raise parameter_missing("customer")
        if "items" in details:
            return _preview_new(account, customer, details, at)
        return _customers_next(account, customer, details, at)


def _customers_next(
    account: Account, customer: dict[str, Any], details: Mapping[str, Any], at: int
) -> dict[str, Any]:
    """With only a customer: the next invoice among their subscriptions."""
    found = []
    for subscription in account.state.subscriptions.values():
        if subscription["customer"] == customer["id"]:
            try:
                found.append(preview_change(account, subscription, details, at))
            except StripeError as err:
                if err.code != "invoice_upcoming_none":
                    raise
    if not found:
        raise no_upcoming_invoice(customer["id"])
    return min(found, key=lambda invoice: invoice["created"])


ROUTES = (
    Route(
        "POST", "/v1/invoices/create_preview", "InvoiceCreatePreviewParams",
        (
            "customer", "subscription", f"{DETAILS}.cancel_at_period_end",
            f"{DETAILS}.items.id", f"{DETAILS}.items.price", f"{DETAILS}.proration_behavior",
            f"{DETAILS}.proration_date",
        ),
        create_preview,
    ),
)
