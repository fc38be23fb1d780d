"""Subscriptions (one item each): the object, every change with Stripe's rules, time passing,
and their routes."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..clock import add_interval, now, period_containing
from ..errors import invalid_request, not_supported, resource_missing
from ..ids import new_id
from ..params import (
    as_bool,
    as_dict,
    as_enum,
    as_list,
    as_str,
    merge_metadata,
    missing,
    required_str,
)
from ..routes import AUTOMATIC, LIST_PARAMS, Call, Origin, Route, matching, page, retrieve
from . import customers
from .catalogue import find_price, plan_object
from .events import publish, publish_changes

if TYPE_CHECKING:
    from ..account import Account

ENDED_STATUSES = ("canceled", "incomplete_expired")
LIST_STATUSES = (
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
)
PRORATION_BEHAVIORS = ("always_invoice", "create_prorations", "none")
CANCELLATION_FEEDBACK = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)
NO_CANCELLATION = {"comment": None, "feedback": None, "reason": None}


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
    customer_id: str, price: dict[str, Any], quantity: int, metadata: dict[str, str]
) -> dict[str, Any]:
    """A new active subscription to `price`, its first period starting now."""
    created = now()
    subscription_id = new_id("sub_1")
    recurring = price["recurring"]
    end = add_interval(created, recurring["interval"], recurring["interval_count"])
    return {
        "id": subscription_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": created,
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
            "data": [item_object(subscription_id, price, quantity, created, end)],
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
        "status": "active",
        "test_clock": None,
        "transfer_data": None,
        "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": None,
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


async def create(account: Account, params: Mapping[str, Any], origin: Origin) -> dict[str, Any]:
    items = as_list(params.get("items") or missing("items"), "items")
    if len(items) != 1:
        raise not_supported("subscriptions with more than one item", param="items")
    item = as_dict(items[0], "items[0]")
    metadata = merge_metadata({}, params.get("metadata", {}))
    async with account.lock:
        customer = customers.find(
            account, required_str(params, "customer"), param="customer", status=400
        )
        param = "items[0][price]"
        price = find_price(account, item.get("price") or missing(param), param)
        subscription = subscription_object(customer["id"], price, 1, metadata)
        add(account, subscription, customer, origin)
    return subscription


async def update(
    account: Account, subscription_id: str, params: Mapping[str, Any], origin: Origin = AUTOMATIC
) -> dict[str, Any]:
    if "proration_behavior" in params:
        as_enum(params["proration_behavior"], "proration_behavior", PRORATION_BEHAVIORS)
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
        draft = copy.deepcopy(subscription)
        if "items" in params:
            _switch_price(account, draft, as_list(params["items"], "items"))
        if "cancel_at_period_end" in params:
            cancel = as_bool(params["cancel_at_period_end"], "cancel_at_period_end")
            _cancel_at_period_end(draft, cancel)
        if "cancellation_details" in params:
            details = as_dict(params["cancellation_details"], "cancellation_details")
            draft["cancellation_details"]["feedback"] = _feedback(details.get("feedback"))
        if "metadata" in params:
            draft["metadata"] = merge_metadata(draft["metadata"], params["metadata"])
        publish_changes(account, subscription, draft, "customer.subscription.updated", origin)
    return subscription


def _cancel_at_period_end(draft: dict[str, Any], cancel: bool) -> None:
    if not cancel:
        draft.update(cancel_at=None, cancel_at_period_end=False, canceled_at=None)
        draft["cancellation_details"] = dict(NO_CANCELLATION)
        return
    draft.update(
        cancel_at=draft["items"]["data"][0]["current_period_end"],
        cancel_at_period_end=True,
        canceled_at=now(),
    )
    draft["cancellation_details"]["reason"] = "cancellation_requested"


def _feedback(value: Any) -> str | None:
    param = "cancellation_details[feedback]"
    return None if value in (None, "") else as_enum(value, param, CANCELLATION_FEEDBACK)


def _switch_price(account: Account, subscription: dict[str, Any], items: list[Any]) -> None:
    """`items[n][id]` names the subscription's item, `items[n][price]` its new price; a new
    billing interval starts a new period now, as on Stripe."""
    current = subscription["items"]["data"]
    for index, given in enumerate(items):
        name = f"items[{index}]"
        item_params = as_dict(given, name)
        if "id" not in item_params:
            raise not_supported(
                f"adding items to a subscription (one item each); pass {name}[id] to change "
                "the existing item",
                param=f"{name}[id]",
            )
        item_id = as_str(item_params["id"], f"{name}[id]")
        item = next((i for i in current if i["id"] == item_id), None)
        if item is None:
            raise resource_missing("subscription item", item_id, param=f"{name}[id]", status=400)
        if "price" not in item_params:
            continue
        price = find_price(account, item_params["price"], f"{name}[price]")
        old_interval = item["price"]["recurring"]["interval"]
        item["price"] = copy.deepcopy(price)
        item["plan"] = plan_object(price)
        interval = price["recurring"]["interval"]
        if interval != old_interval:
            moment = now()
            subscription["billing_cycle_anchor"] = moment
            item["current_period_start"] = moment
            item["current_period_end"] = add_interval(moment, interval, 1)
            if subscription["cancel_at_period_end"]:
                subscription["cancel_at"] = item["current_period_end"]


def _end(subscription: dict[str, Any], ended_at: int, canceled_at: int) -> None:
    subscription.update(status="canceled", ended_at=ended_at, canceled_at=canceled_at)
    subscription["cancellation_details"]["reason"] = "cancellation_requested"


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
        moment = now()
        _end(subscription, moment, moment)
        if feedback:
            subscription["cancellation_details"]["feedback"] = feedback
        publish(account, "customer.subscription.deleted", subscription, origin)
    return subscription


async def tick(account: Account) -> None:
    """What time passing does: periods renew and scheduled cancellations take effect, with the
    webhooks Stripe sends for both."""
    async with account.lock:
        at = now()
        for subscription in account.state.subscriptions.values():
            if subscription["status"] in ENDED_STATUSES:
                continue
            cancel_at = subscription["cancel_at"]
            if cancel_at is not None and cancel_at <= at:
                _end(subscription, cancel_at, subscription["canceled_at"] or cancel_at)
                publish(account, "customer.subscription.deleted", subscription)
                continue
            if subscription["items"]["data"][0]["current_period_end"] <= at:
                draft = copy.deepcopy(subscription)
                item = draft["items"]["data"][0]
                recurring = item["price"]["recurring"]
                item["current_period_start"], item["current_period_end"] = period_containing(
                    draft["billing_cycle_anchor"],
                    recurring["interval"],
                    recurring["interval_count"],
                    at,
                )
                publish_changes(
                    account, subscription, draft, "customer.subscription.updated", AUTOMATIC
                )


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
        ("customer", "items.price", "metadata"),
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
            "cancel_at_period_end", "cancellation_details.feedback", "items.id", "items.price",
            "metadata", "proration_behavior",
        ),
        lambda call: update(call.account, call.path["id"], call.params, call.origin),
    ),
    Route(
        "DELETE", "/v1/subscriptions/{id}", "SubscriptionCancelParams", (),
        lambda call: cancel(call.account, call.path["id"], call.origin),
    ),
)
