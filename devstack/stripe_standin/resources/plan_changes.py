"""Plan changes on a draft subscription: switching its price, restarting its billing cycle, and
the prorations and invoice lines they make. Subscription updates and invoice previews share it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..clock import add_interval
from ..display import product_name, short_date
from ..errors import not_supported, resource_missing
from ..params import as_dict, as_str
from .catalogue import plan_object, subscribable_price
from .invoices import line_spec, period_spec

if TYPE_CHECKING:
    from ..account import Account


@dataclass
class Change:
    prorations: list[dict[str, Any]] = field(default_factory=list)
    reset: bool = False  # the billing cycle restarts at the change
    invoice_now: bool = False  # else the prorations wait for the next invoice


def change_plan(
    account: Account,
    draft: dict[str, Any],
    items: list[Any] | None,
    *,
    behavior: str,
    at: int,
    prorate_at: int | None = None,
    reset_anchor: bool = False,
    prefix: str = "items",
) -> Change:
    """Apply `items` (new prices) and `billing_cycle_anchor=now` to `draft` at `at`, prorating
    as of `prorate_at` (`proration_date`, else `at`). As on Stripe
    (docs.stripe.com/billing/subscriptions/prorations): a new billing interval, or resetting
    the anchor, starts a new period at once and invoices it now; otherwise the prorations
    (per second, `create_prorations` by default) wait for the next invoice, unless
    `always_invoice`. Trials are never prorated."""
    item = draft["items"]["data"][0]
    before = copy.deepcopy(item)
    if items is not None:
        _switch_price(account, draft, items, prefix)
    trialing = draft["status"] == "trialing"
    if trialing and reset_anchor:
        raise not_supported(
            "resetting the billing cycle during a trial", param="billing_cycle_anchor"
        )
    interval = item["price"]["recurring"]["interval"]
    reset = not trialing and (reset_anchor or interval != before["price"]["recurring"]["interval"])
    prorate = behavior != "none" and not trialing
    change = Change()
    if prorate and (reset or item["price"]["id"] != before["price"]["id"]):
        change.prorations = _prorations(
            account, before, None if reset else item["price"], prorate_at or at
        )
    if reset:
        end = add_interval(at, interval, item["price"]["recurring"]["interval_count"])
        draft["billing_cycle_anchor"] = at
        item["current_period_start"], item["current_period_end"] = at, end
        if draft["cancel_at_period_end"]:
            draft["cancel_at"] = end
    change.reset = reset
    change.invoice_now = reset or (behavior == "always_invoice" and bool(change.prorations))
    return change


def invoice_lines(
    account: Account, draft: dict[str, Any], pending: list[dict[str, Any]], change: Change
) -> list[dict[str, Any]]:
    """The lines of the invoice a change makes now: what was pending, its prorations, and the
    new period when the cycle restarted."""
    item = draft["items"]["data"][0]
    period = (item["current_period_start"], item["current_period_end"])
    fresh = [period_spec(account, item, period)] if change.reset else []
    return [*pending, *change.prorations, *fresh]


def _prorations(
    account: Account, before: dict[str, Any], new_price: dict[str, Any] | None, at: int
) -> list[dict[str, Any]]:
    """Credit for the unused rest of the period on the old price, and (unless the cycle
    restarts, when the new period is billed whole) the rest of it on the new price."""
    start, end = before["current_period_start"], before["current_period_end"]
    if not start <= at < end:
        return []
    share = (end - at) / (end - start)
    quantity, old = before["quantity"], before["price"]
    after = short_date(at)

    def line(price: dict[str, Any], sign: int, words: str) -> dict[str, Any]:
        amount = sign * round(price["unit_amount"] * quantity * share)
        description = f"{words} time on {product_name(account.state, price)} after {after}"
        return line_spec(
            price, amount, description, (at, end), before["id"], quantity=quantity, proration=True
        )

    lines = [line(old, -1, "Unused")]
    if new_price is not None:
        lines.append(line(new_price, 1, "Remaining"))
    return lines


def _switch_price(
    account: Account, subscription: dict[str, Any], items: list[Any], prefix: str
) -> None:
    """`items[n][id]` names the subscription's item, `items[n][price]` its new price."""
    current = subscription["items"]["data"]
    for index, given in enumerate(items):
        name = f"{prefix}[{index}]"
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
        if "price" in item_params:
            price = subscribable_price(account, item_params["price"], f"{name}[price]")
            item["price"] = copy.deepcopy(price)
            item["plan"] = plan_object(price)
