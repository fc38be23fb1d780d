"""Time passing for subscriptions: renewals and their invoices, trials ending (and the warning
3 days before), drafts finalizing and being charged, scheduled cancellations, and incomplete
subscriptions expiring, each with the events Stripe sends."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..clock import period_containing
from ..routes import AUTOMATIC
from . import collection, invoices
from .events import publish, publish_changes

if TYPE_CHECKING:
    from ..account import Account

ENDED_STATUSES = ("canceled", "incomplete_expired")
# An incomplete subscription expires 23 hours after it was made, and its first invoice is
# voided (docs.stripe.com/billing/subscriptions/overview, "Payment status").
INCOMPLETE_LIFETIME = 23 * 3600
# `customer.subscription.trial_will_end` comes 3 days before a trial ends (at once, when the
# subscription is made, for a trial of 3 days or less).
TRIAL_WARNING = 3 * 86400


def end(subscription: dict[str, Any], ended_at: int, canceled_at: int) -> None:
    subscription.update(status="canceled", ended_at=ended_at, canceled_at=canceled_at)
    subscription["cancellation_details"]["reason"] = "cancellation_requested"


def renew(account: Account, subscription: dict[str, Any]) -> None:
    """The next period starts where the current one ends (counted from the billing cycle
    anchor, so a month anchored on the 31st comes back to the 31st), a trial turns active,
    and the period's draft invoice carries whatever prorations were pending."""
    draft = copy.deepcopy(subscription)
    item = draft["items"]["data"][0]
    recurring = item["price"]["recurring"]
    previous = (item["current_period_start"], item["current_period_end"])
    start, end_ = period_containing(
        draft["billing_cycle_anchor"], recurring["interval"], recurring["interval_count"],
        previous[1],
    )
    item["current_period_start"], item["current_period_end"] = start, end_
    if draft["status"] == "trialing":
        draft["status"] = "active"
    pending = account.state.pending_items.pop(draft["id"], [])
    specs = [*pending, invoices.period_spec(account, item, (start, end_))]
    made = invoices.build(account, draft, specs, "subscription_cycle", start, previous)
    invoice = invoices.open_draft(account, made, finalizes_later=True)
    draft["latest_invoice"] = invoice["id"]
    publish_changes(account, subscription, draft, "customer.subscription.updated", AUTOMATIC)


def _expire(account: Account, subscription: dict[str, Any], moment: int) -> None:
    latest = account.state.invoices.get(subscription["latest_invoice"] or "")
    if latest is not None and latest["status"] == "open":
        invoices.close(account, latest, "void", moment)
    draft = copy.deepcopy(subscription)
    draft.update(status="incomplete_expired", ended_at=moment)
    publish_changes(account, subscription, draft, "customer.subscription.updated", AUTOMATIC)


def _next_step(
    account: Account, subscription: dict[str, Any], since: int, at: int, warned: bool
) -> tuple[int, str] | None:
    """The earliest thing due for `subscription` by `at`, as (moment, what)."""
    item = subscription["items"]["data"][0]
    due: list[tuple[int, int, str]] = []  # the middle number orders steps due at one moment
    latest = account.state.invoices.get(subscription["latest_invoice"] or "")
    finalizes = latest and latest["status"] == "draft" and latest["automatically_finalizes_at"]
    if finalizes and finalizes <= at:
        due.append((finalizes, 0, "finalize"))
    if subscription["cancel_at"] is not None and subscription["cancel_at"] <= at:
        due.append((subscription["cancel_at"], 1, "end"))
    if subscription["status"] == "incomplete":
        expires = subscription["created"] + INCOMPLETE_LIFETIME
        if expires <= at:
            due.append((expires, 2, "expire"))
    elif item["current_period_end"] <= at:
        due.append((item["current_period_end"], 3, "renew"))
    if subscription["status"] == "trialing" and not warned:
        warn = subscription["trial_end"] - TRIAL_WARNING
        if since < warn <= at and warn > subscription["trial_start"]:
            due.append((warn, 4, "warn"))
    if not due:
        return None
    moment, _, what = min(due)
    return moment, what


def catch_up(account: Account, subscription: dict[str, Any], since: int, at: int) -> None:
    """Everything due for one subscription between `since` and `at`, in time order."""
    warned = False
    while subscription["status"] not in ENDED_STATUSES:
        step = _next_step(account, subscription, since, at, warned)
        if step is None:
            return
        moment, what = step
        if what == "finalize":
            latest = account.state.invoices[subscription["latest_invoice"]]
            collection.collect(account, latest, subscription, moment)
        elif what == "end":
            end(subscription, moment, subscription["canceled_at"] or moment)
            publish(account, "customer.subscription.deleted", subscription)
        elif what == "expire":
            _expire(account, subscription, moment)
        elif what == "renew":
            renew(account, subscription)
        else:
            warned = True
            publish(account, "customer.subscription.trial_will_end", subscription)


async def tick(account: Account) -> None:
    """Let time pass for every live subscription up to the stand-in's clock."""
    async with account.lock:
        state = account.state
        at = account.now()
        since = state.ticked_at if state.ticked_at is not None else at
        for subscription in list(state.subscriptions.values()):
            catch_up(account, subscription, since, at)
        state.ticked_at = at
