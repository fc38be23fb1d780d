"""Portal deep links (`flow_data`): checking them as Stripe does into the session's `flow`, and
what completing the payment-method flow does. The pages are `pages/portal_flows.py`."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import invalid_request, not_supported, resource_missing
from ..params import (
    as_dict,
    as_enum,
    as_int,
    as_list,
    as_optional_str,
    as_str,
    as_url,
    documented_values,
    missing,
    required_str,
)
from ..routes import AUTOMATIC
from . import collection, customers, invoices, payment_methods, subscriptions
from .events import publish_changes

if TYPE_CHECKING:
    from ..account import Account

PARAMS = "billing_portal.SessionCreateParams"
FLOW_TYPES = documented_values(PARAMS, "flow_data.type")
AFTER_COMPLETION_TYPES = documented_values(PARAMS, "flow_data.after_completion.type")
IMPLEMENTED = (
    "payment_method_update",
    "subscription_cancel",
    "subscription_update",
    "subscription_update_confirm",
)
# The configuration feature each flow needs.
FEATURE = {
    "payment_method_update": "payment_method_update",
    "subscription_cancel": "subscription_cancel",
    "subscription_update": "subscription_update",
    "subscription_update_confirm": "subscription_update",
}


def check_flow(
    account: Account, given: Any, customer: dict[str, Any], configuration: dict[str, Any]
) -> dict[str, Any]:
    """`flow_data` checked as Stripe checks it (docs.stripe.com/customer-management/portal-deep-
    links: the feature enabled, the subscription the customer's and live), returned as the
    session's `flow` echoes it."""
    flow_data = as_dict(given, "flow_data")
    flow_type = as_enum(
        flow_data.get("type") or missing("flow_data[type]"), "flow_data[type]", FLOW_TYPES
    )
    if flow_type not in IMPLEMENTED:
        raise not_supported(f"the `{flow_type}` portal flow", param="flow_data[type]")
    if not configuration["features"][FEATURE[flow_type]]["enabled"]:
        feature = FEATURE[flow_type].replace("_", " ")
        raise invalid_request(
            f"This flow cannot be used because the {feature} feature is disabled in the portal "
            "configuration.",
            param="flow_data[type]",
        )
    flow: dict[str, Any] = {
        "after_completion": _after_completion(flow_data.get("after_completion")),
        "customer_update": None,
        "subscription_cancel": None,
        "subscription_pause": None,
        "subscription_update": None,
        "subscription_update_confirm": None,
        "type": flow_type,
    }
    if flow_type == "payment_method_update":
        return flow
    prefix = f"flow_data[{flow_type}]"
    part = as_dict(flow_data.get(flow_type) or missing(prefix), prefix)
    subscription = _own_live_subscription(account, part, customer, prefix)
    echo: dict[str, Any] = {"subscription": subscription["id"]}
    if flow_type == "subscription_cancel":
        if subscription["cancel_at_period_end"] or subscription["cancel_at"]:
            raise invalid_request(
                f"The subscription `{subscription['id']}` is already set to be canceled.",
                param=f"{prefix}[subscription]",
            )
        echo["retention"] = _retention(part.get("retention"), prefix)
    if flow_type == "subscription_update_confirm":
        echo["items"] = _confirm_items(account, part, subscription, configuration, prefix)
        echo["discounts"] = []
    flow[flow_type] = echo
    return flow


def _after_completion(given: Any) -> dict[str, Any]:
    name = "flow_data[after_completion]"
    part = as_dict(given, name) if given is not None else {"type": "portal_homepage"}
    kind = as_enum(part.get("type") or missing(f"{name}[type]"), f"{name}[type]",
                   AFTER_COMPLETION_TYPES)
    shown: dict[str, Any] = {"hosted_confirmation": None, "redirect": None, "type": kind}
    if kind == "redirect":
        redirect = as_dict(part.get("redirect") or missing(f"{name}[redirect]"),
                           f"{name}[redirect]")
        param = f"{name}[redirect][return_url]"
        shown["redirect"] = {"return_url": as_url(required_str(redirect, "return_url", param),
                                                  param)}
    elif kind == "hosted_confirmation":
        confirmation = as_dict(part.get("hosted_confirmation", {}), f"{name}[hosted_confirmation]")
        message = as_optional_str(
            confirmation, "custom_message", f"{name}[hosted_confirmation][custom_message]"
        )
        shown["hosted_confirmation"] = {"custom_message": message}
    return shown


def _own_live_subscription(
    account: Account, part: Mapping[str, Any], customer: dict[str, Any], prefix: str
) -> dict[str, Any]:
    param = f"{prefix}[subscription]"
    subscription = subscriptions.find(
        account, required_str(part, "subscription", param), param=param, status=400
    )
    if subscription["customer"] != customer["id"]:
        raise invalid_request(
            f"The subscription `{subscription['id']}` does not belong to the customer "
            f"`{customer['id']}`.",
            param=param,
        )
    if subscription["status"] in subscriptions.ENDED_STATUSES:
        raise invalid_request(
            f"The subscription `{subscription['id']}` has been canceled and can't be changed in "
            "the portal.",
            param=param,
        )
    return subscription


def _retention(given: Any, prefix: str) -> None:
    """Retention offers name a coupon; the stand-in holds no coupons, so any coupon named is
    unknown, as it would be on an account without it."""
    if given is None:
        return
    name = f"{prefix}[retention]"
    retention = as_dict(given, name)
    as_enum(retention.get("type") or missing(f"{name}[type]"), f"{name}[type]", ("coupon_offer",))
    offer = as_dict(retention.get("coupon_offer") or missing(f"{name}[coupon_offer]"),
                    f"{name}[coupon_offer]")
    param = f"{name}[coupon_offer][coupon]"
    raise resource_missing("coupon", required_str(offer, "coupon", param), param=param, status=400)


def allowed_prices(account: Account, configuration: dict[str, Any]) -> list[dict[str, Any]]:
    """The prices a customer may switch to in this portal configuration."""
    prices = account.state.prices
    products = configuration["features"]["subscription_update"].get("products", [])
    return [prices[p] for entry in products for p in entry["prices"] if p in prices]


def _confirm_items(
    account: Account,
    part: Mapping[str, Any],
    subscription: dict[str, Any],
    configuration: dict[str, Any],
    prefix: str,
) -> list[dict[str, Any]]:
    """`subscription_update_confirm[items]`: the subscription's item, and a price the
    configuration offers."""
    items = as_list(part.get("items") or missing(f"{prefix}[items]"), f"{prefix}[items]")
    offered = {price["id"] for price in allowed_prices(account, configuration)}
    own = {item["id"] for item in subscription["items"]["data"]}
    shown = []
    for index, given in enumerate(items):
        name = f"{prefix}[items][{index}]"
        item = as_dict(given, name)
        item_id = required_str(item, "id", f"{name}[id]")
        if item_id not in own:
            raise resource_missing("subscription item", item_id, param=f"{name}[id]", status=400)
        price = as_str(item["price"], f"{name}[price]") if "price" in item else None
        if price is not None and price not in offered:
            raise invalid_request(
                f"The price `{price}` is not one the portal configuration lets customers "
                "switch to.",
                param=f"{name}[price]",
            )
        quantity = as_int(item["quantity"], f"{name}[quantity]", minimum=1) if (
            "quantity" in item
        ) else None
        shown.append({"id": item_id, "price": price, "quantity": quantity})
    return shown


async def save_payment_method(account: Account, customer_id: str, card: str) -> bool:
    """What saving a card in the portal does: attach it, make it the default (the customer's,
    and any subscription's own), and pay the customer's open invoices with it, which returns
    a past_due subscription to active. True when nothing is left unpaid."""
    async with account.lock:
        customer = customers.find(account, customer_id)
        method = payment_methods.attach(account, card, customer, AUTOMATIC, param="card")
        customers.set_default(account, customer, method["id"], AUTOMATIC)
        state = account.state
        for subscription in list(state.subscriptions.values()):
            own = subscription["default_payment_method"]
            if subscription["customer"] == customer_id and own not in (None, method["id"]):
                draft = copy.deepcopy(subscription)
                draft["default_payment_method"] = method["id"]
                publish_changes(
                    account, subscription, draft, "customer.subscription.updated", AUTOMATIC
                )
        unpaid = [
            i for i in state.invoices.values()
            if i["customer"] == customer_id and i["status"] == "open"
        ]
        at = account.now()
        results = [
            collection.collect(
                account, invoice, state.subscriptions[invoices.subscription_of(invoice)], at,
                method,
            )
            for invoice in unpaid
        ]
    return all(results)
