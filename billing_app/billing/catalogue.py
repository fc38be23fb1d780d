"""The plans users may subscribe to: Stripe's catalogue (active recurring prices of active
products), limited to STRIPE_PRICE_IDS when it is set, read once and kept for a few minutes.

A `price.*` or `product.*` webhook drops the kept copy (`forget`), so a change made in Stripe
shows on the next read; the time limit covers instances that didn't get the event. Every
page load of a user without a subscription reads it, so it costs no Stripe call per load.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError
from billing_app.platform.settings import get_settings

KEEP_FOR_S = 300.0


@dataclass(frozen=True)
class Plan:
    """One price users may buy, with what the picker shows of it."""

    price_id: str
    product_name: str
    unit_amount: int
    currency: str
    interval: str  # day, week, month or year
    interval_count: int


# When it was read, under which STRIPE_PRICE_IDS, and what it said.
_kept: tuple[float, tuple[str, ...], tuple[Plan, ...]] | None = None
# One read at a time per event loop (a lock belongs to its loop, as clients.py's pools do).
_reading: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
# Bumped by `forget`: a read that started before it doesn't keep its (older) answer.
_generation = 0


def forget() -> None:
    """Drop the kept catalogue: the next read asks Stripe."""
    global _kept, _generation
    _kept = None
    _generation += 1


def _plan(price: dict[str, Any]) -> Plan | None:
    """The plan a listed price makes, or None when it can't be sold through the picker: not
    recurring, not active, of an archived product, or without a fixed amount."""
    product, recurring = price.get("product"), price.get("recurring") or {}
    if (not price.get("active") or price.get("type") != "recurring"
            or not isinstance(product, dict) or not product.get("active")
            or price.get("unit_amount") is None or not recurring.get("interval")):
        return None
    return Plan(price["id"], product.get("name") or product["id"], price["unit_amount"],
                price["currency"], recurring["interval"], recurring.get("interval_count") or 1)


async def _read(configured: tuple[str, ...]) -> tuple[Plan, ...]:
    listed = await clients.stripe().v1.prices.list_async(params={
        "active": True, "type": "recurring", "expand": ["data.product"], "limit": 100})
    plans = [plan async for price in listed.auto_paging_iter()
             if (plan := _plan(price.to_dict())) is not None]
    if configured:
        by_id = {plan.price_id: plan for plan in plans}
        return tuple(by_id[pid] for pid in configured if pid in by_id)
    return tuple(plans)


async def plans() -> tuple[Plan, ...]:
    """The plans on offer: STRIPE_PRICE_IDS' order when set, else Stripe's. Read from
    Stripe at most every KEEP_FOR_S seconds (and after `forget`)."""
    global _kept
    configured = get_settings().stripe_price_ids
    if (kept := _fresh(configured)) is not None:
        return kept
    # Page loads that find it stale together wait for one read, not one each.
    lock = _reading.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        if (kept := _fresh(configured)) is not None:
            return kept
        started, generation = time.monotonic(), _generation
        found = await _read(configured)
        if generation == _generation:
            _kept = (started, configured, found)
        return found


def _fresh(configured: tuple[str, ...]) -> tuple[Plan, ...] | None:
    if _kept is not None and time.monotonic() - _kept[0] < KEEP_FOR_S and _kept[1] == configured:
        return _kept[2]
    return None


async def offered(price_id: str) -> bool:
    return any(plan.price_id == price_id for plan in await plans())


async def default_price() -> str:
    """What Subscribe sells when no price is named: the first of STRIPE_PRICE_IDS, else the
    first plan on offer (Stripe lists the newest price first)."""
    configured = get_settings().stripe_price_ids
    if configured:
        return configured[0]
    found = await plans()
    if not found:
        raise UpstreamError("Stripe has no active recurring price of an active product to "
                            "sell; add one, or set STRIPE_PRICE_IDS")
    return found[0].price_id


async def offered_prices() -> list[str]:
    """Every price users may buy (what `make doctor` checks): STRIPE_PRICE_IDS as set, each to
    be checked, else every plan on offer."""
    configured = get_settings().stripe_price_ids
    return list(configured) if configured else [plan.price_id for plan in await plans()]
