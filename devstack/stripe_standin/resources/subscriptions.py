"""Subscriptions (one item each): the object, creating one with its first invoice, changing and
canceling one with Stripe's rules, and their routes. Time passing is `cycles.py`."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..clock import add_interval
from ..errors import invalid_request, not_supported, resource_missing
from ..ids import new_id
from ..params import (
    as_bool,
    as_dict,
    as_enum,
    as_int,
    as_list,
    as_str,
    documented_values,
    merge_metadata,
    missing,
    required_str,
)
from ..routes import AUTOMATIC, LIST_PARAMS, Call, Origin, Route, matching, page, retrieve
from . import collection, customers, invoices, payment_methods
from .catalogue import plan_object, subscribable_price
from .cycles import ENDED_STATUSES, TRIAL_WARNING, end
from .events import publish, publish_changes
from .plan_changes import change_plan, invoice_lines

if TYPE_CHECKING:
    from ..account import Account

LIST_STATUSES = documented_values("SubscriptionListParams", "status")
PRORATION_BEHAVIORS = documented_values("SubscriptionUpdateParams", "proration_behavior")
ANCHOR_TYPES = documented_values("SubscriptionUpdateParams", "billing_cycle_anchor.type")
CANCELLATION_FEEDBACK = documented_values(
    "SubscriptionUpdateParams", "cancellation_details.feedback"
)
NO_CANCELLATION = {"comment": None, "feedback": None, "reason": None}
MAX_TRIAL_DAYS = 730  # "Can be at most two years from `billing_cycle_anchor`" (stripe-python)


def item_object(
    subscription_id: str, price: dict[str, Any], quantity: int, start: int, end: int
) -> dict[str, Any]:
    return {
        "id": new_id("si_"),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": start,
        "current_period_end": end,
        "current_period_start": start,
        "discounts": [],
        "metadata": {},
        "plan": plan_object(price),
        "price": copy.deepcopy(price),
        "quantity": quantity,
        "subscription": subscription_id,
        "tax_rates": [],
    }


def subscription_object(
    customer_id: str,
    price: dict[str, Any],
    quantity: int,
    metadata: dict[str, str],
    created: int,
    trial_end: int | None = None,
) -> dict[str, Any]:
    """A new subscription to `price` starting at `created`: trialing until `trial_end`, else
    incomplete until its first invoice is paid (`start` settles that)."""
    subscription_id = new_id("sub_1")
    recurring = price["recurring"]
    end_ = trial_end or add_interval(created, recurring["interval"], recurring["interval_count"])
    return {
        "id": subscription_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": end_ if trial_end else created,
        "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic"},
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": dict(NO_CANCELLATION),
        "collection_method": "charge_automatically",
        "created": created,
        "currency": price["currency"],
        "customer": customer_id,
        "customer_account": None,
        "days_until_due": None,
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {
            "account_tax_ids": None,
            "custom_fields": None,
            "description": None,
            "footer": None,
            "issuer": {"type": "self"},
        },
        "items": {
            "object": "list",
            "data": [item_object(subscription_id, price, quantity, created, end_)],
            "has_more": False,
            "total_count": 1,
            "url": f"/v1/subscription_items?subscription={subscription_id}",
        },
        "latest_invoice": None,
        "livemode": False,
        "managed_payments": {"enabled": False},
        "metadata": metadata,
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": created,
        "status": "trialing" if trial_end else "incomplete",
        "test_clock": None,
        "transfer_data": None,
        "trial_end": trial_end,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": created if trial_end else None,
    }


def find(account: Account, subscription_id: Any, *, param: str = "id", status: int = 404) -> dict:
    return account.get("subscriptions", "subscription", subscription_id, param=param, status=status)


def add(
    account: Account, subscription: dict[str, Any], customer: dict[str, Any], origin: Origin
) -> None:
    if customer["currency"] is None:
        customer["currency"] = subscription["currency"]
    account.state.subscriptions[subscription["id"]] = subscription
    publish(account, "customer.subscription.created", subscription, origin)


def start(account: Account, subscription: dict[str, Any], origin: Origin) -> bool:
    """Invoice the first period (or the trial, at no charge) and charge it at once, as
    `payment_behavior=allow_incomplete`, Stripe's default, does: paid, the subscription is
    active; not, it is `incomplete` with its invoice open. Returns whether it was paid; the
    caller holds the lock and stores the subscription with `add`."""
    item = subscription["items"]["data"][0]
    at = subscription["created"]
    trial = subscription["status"] == "trialing"
    first = invoices.period_spec(account, item, (at, item["current_period_end"]), trial=trial)
    invoice = invoices.open_draft(
        account,
        invoices.build(account, subscription, [first], "subscription_create", at, (at, at)),
        origin,
    )
    subscription["latest_invoice"] = invoice["id"]
    paid = collection.collect(account, invoice, subscription, at, origin=origin)
    if not trial:
        subscription["status"] = "active" if paid else "incomplete"
    return paid


def _trial_end(params: Mapping[str, Any], at: int) -> int | None:
    if "trial_end" in params and "trial_period_days" in params:
        raise invalid_request(
            "You may only specify one of these parameters: trial_end, trial_period_days.",
            param="trial_period_days",
        )
    if "trial_period_days" in params:
        days = as_int(params["trial_period_days"], "trial_period_days", minimum=0,
                      maximum=MAX_TRIAL_DAYS)
        return at + days * 86400 if days else None
    if params.get("trial_end", "now") == "now":
        return None
    moment = as_int(params["trial_end"], "trial_end")
    if not at < moment <= at + MAX_TRIAL_DAYS * 86400:
        raise invalid_request(
            "Invalid timestamp: must be an integer Unix timestamp in the future and at most "
            "two years from now.",
            param="trial_end",
        )
    return moment


def _default_payment_method(
    account: Account, draft: dict[str, Any], params: Mapping[str, Any]
) -> None:
    if "default_payment_method" in params:
        given = as_str(params["default_payment_method"], "default_payment_method")
        found = given and payment_methods.attached(
            account, draft["customer"], given, "default_payment_method"
        )
        draft["default_payment_method"] = found["id"] if found else None


async def create(account: Account, params: Mapping[str, Any], origin: Origin) -> dict[str, Any]:
    items = as_list(params.get("items") or missing("items"), "items")
    if len(items) != 1:
        raise not_supported("subscriptions with more than one item", param="items")
    item = as_dict(items[0], "items[0]")
    metadata = merge_metadata({}, params.get("metadata", {}))
    async with account.lock:
        at = account.now()
        customer = customers.find(
            account, required_str(params, "customer"), param="customer", status=400
        )
        param = "items[0][price]"
        price = subscribable_price(account, item.get("price") or missing(param), param)
        subscription = subscription_object(
            customer["id"], price, 1, metadata, at, _trial_end(params, at)
        )
        _default_payment_method(account, subscription, params)
        if as_bool(params.get("cancel_at_period_end", False), "cancel_at_period_end"):
            _cancel_at_period_end(subscription, True, at)
        start(account, subscription, origin)
        add(account, subscription, customer, origin)
        trial_end = subscription["trial_end"]
        if trial_end is not None and trial_end - TRIAL_WARNING <= at:
            publish(account, "customer.subscription.trial_will_end", subscription, origin)
    return subscription


async def update(
    account: Account, subscription_id: str, params: Mapping[str, Any], origin: Origin = AUTOMATIC
) -> dict[str, Any]:
    behavior = as_enum(
        params.get("proration_behavior", "create_prorations"), "proration_behavior",
        PRORATION_BEHAVIORS,
    )
    anchor = as_dict(params.get("billing_cycle_anchor", {}), "billing_cycle_anchor")
    reset = "type" in anchor and (
        as_enum(anchor["type"], "billing_cycle_anchor[type]", ANCHOR_TYPES) == "now"
    )
    async with account.lock:
        subscription = find(account, subscription_id)
        if subscription["status"] in ENDED_STATUSES:
            kept = {"metadata", "cancellation_details", "expand", "proration_behavior"}
            if set(params) - kept:
                raise invalid_request(
                    "A canceled subscription can only update its cancellation_details and "
                    "metadata.",
                    param=min(set(params) - kept),
                )
        at = account.now()
        prorate_at = (
            as_int(params["proration_date"], "proration_date")
            if "proration_date" in params
            else None
        )
        draft = copy.deepcopy(subscription)
        items = as_list(params["items"], "items") if "items" in params else None
        change = change_plan(
            account, draft, items, behavior=behavior, at=at, prorate_at=prorate_at,
            reset_anchor=reset,
        )
        _default_payment_method(account, draft, params)
        if "cancel_at_period_end" in params:
            cancel = as_bool(params["cancel_at_period_end"], "cancel_at_period_end")
            _cancel_at_period_end(draft, cancel, at)
        if "cancellation_details" in params:
            details = as_dict(params["cancellation_details"], "cancellation_details")
            draft["cancellation_details"]["feedback"] = _feedback(details.get("feedback"))
        if "metadata" in params:
            draft["metadata"] = merge_metadata(draft["metadata"], params["metadata"])
        pending = account.state.pending_items.get(subscription_id, [])
        invoice = None
        if change.invoice_now:
            lines = invoice_lines(account, draft, pending, change)
            made = invoices.build(account, draft, lines, "subscription_update", at, (at, at))
            invoice = invoices.open_draft(account, made, origin)
            draft["latest_invoice"] = invoice["id"]
            account.state.pending_items.pop(subscription_id, None)
        elif change.prorations:
            account.state.pending_items[subscription_id] = [*pending, *change.prorations]
        publish_changes(account, subscription, draft, "customer.subscription.updated", origin)
        if invoice is not None:
            collection.collect(account, invoice, subscription, at, origin=origin)
    return subscription


def _cancel_at_period_end(draft: dict[str, Any], cancel: bool, at: int) -> None:
    if not cancel:
        draft.update(cancel_at=None, cancel_at_period_end=False, canceled_at=None)
        draft["cancellation_details"] = dict(NO_CANCELLATION)
        return
    draft.update(
        cancel_at=draft["items"]["data"][0]["current_period_end"],
        cancel_at_period_end=True,
        canceled_at=at,
    )
    draft["cancellation_details"]["reason"] = "cancellation_requested"


def _feedback(value: Any) -> str | None:
    param = "cancellation_details[feedback]"
    return None if value in (None, "") else as_enum(value, param, CANCELLATION_FEEDBACK)


async def cancel(
    account: Account, subscription_id: str, origin: Origin = AUTOMATIC, feedback: str | None = None
) -> dict[str, Any]:
    """Cancel now (`DELETE /v1/subscriptions/{id}`, or the portal page in "immediately" mode)."""
    feedback = _feedback(feedback)
    async with account.lock:
        subscription = find(account, subscription_id)
        if subscription["status"] in ENDED_STATUSES:
            # Stripe treats a canceled subscription as gone for this call.
            raise resource_missing("subscription", subscription_id)
        moment = account.now()
        end(subscription, moment, moment)
        if feedback:
            subscription["cancellation_details"]["feedback"] = feedback
        publish(account, "customer.subscription.deleted", subscription, origin)
    return subscription


def _list(call: Call) -> dict[str, Any]:
    params = call.params
    filters = matching(params, "customer")
    status = as_enum(params["status"], "status", LIST_STATUSES) if "status" in params else None
    if status is None:
        filters.append(lambda s: s["status"] != "canceled")
    elif status == "ended":
        filters.append(lambda s: s["status"] in ENDED_STATUSES)
    elif status != "all":
        filters.append(lambda s: s["status"] == status)
    return page(call, "subscriptions", "subscription", filters)


ROUTES = (
    Route(
        "POST", "/v1/subscriptions", "SubscriptionCreateParams",
        (
            "cancel_at_period_end", "customer", "default_payment_method", "items.price",
            "metadata", "trial_end", "trial_period_days",
        ),
        lambda call: create(call.account, call.params, call.origin),
    ),
    Route(
        "GET", "/v1/subscriptions", "SubscriptionListParams",
        ("customer", "status", *LIST_PARAMS), _list,
    ),
    Route(
        "GET", "/v1/subscriptions/{id}", "SubscriptionRetrieveParams", (),
        retrieve("subscriptions", "subscription"),
    ),
    Route(
        "POST", "/v1/subscriptions/{id}", "SubscriptionUpdateParams",
        (
            "billing_cycle_anchor.type", "cancel_at_period_end", "cancellation_details.feedback",
            "default_payment_method", "items.id", "items.price", "metadata",
            "proration_behavior", "proration_date",
        ),
        lambda call: update(call.account, call.path["id"], call.params, call.origin),
    ),
    Route(
        "DELETE", "/v1/subscriptions/{id}", "SubscriptionCancelParams", (),
        lambda call: cancel(call.account, call.path["id"], call.origin),
    ),
)
