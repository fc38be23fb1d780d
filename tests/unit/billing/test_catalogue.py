"""The plans on offer (billing/catalogue.py): what counts as a plan, STRIPE_PRICE_IDS, and the
kept copy: read once, kept KEEP_FOR_S, dropped by `forget` (a price.* / product.* webhook).
Stripe's list is a recorded answer; the catalogue's own code runs for real."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from billing_app.billing import catalogue
from billing_app.billing.catalogue import Plan
from billing_app.platform.outcomes import UpstreamError
from tests.helpers import app_settings

PRO, TEAM = {"id": "prod_pro", "name": "Pro", "active": True}, {"id": "prod_team",
                                                                 "name": "Team", "active": True}


def price(pid, product, amount, interval="month", **changes):
    base = {"id": pid, "object": "price", "active": True, "type": "recurring",
            "currency": "usd", "unit_amount": amount, "product": product,
            "recurring": {"interval": interval, "interval_count": 1}}
    return {**base, **changes}


CATALOGUE = [
    price("price_pro_m", PRO, 2000),
    price("price_pro_y", PRO, 19200, "year"),
    price("price_setup", PRO, 5000, type="one_time", recurring=None),
    price("price_team_m", TEAM, 4900),
    price("price_old", {**TEAM, "active": False}, 3900),
    price("price_metered", TEAM, None),
]


class Listing:
    def __init__(self, prices):
        self.prices = prices

    async def auto_paging_iter(self):
        for item in self.prices:
            yield SimpleNamespace(to_dict=lambda item=item: item)


class FakeStripe:
    def __init__(self):
        self.prices_listed: list[dict] = []
        self.answer = list(CATALOGUE)
        self.during_read = None
        self.v1 = SimpleNamespace(prices=SimpleNamespace(list_async=self.list_async))

    async def list_async(self, params):
        await asyncio.sleep(0)  # Stripe answers later: other page loads run meanwhile
        self.prices_listed.append(params)
        if self.during_read:
            self.during_read()
        return Listing(self.answer)


@pytest.fixture
def world(monkeypatch):
    state = SimpleNamespace(stripe=FakeStripe(), env={}, now=1000.0)
    monkeypatch.setattr(catalogue.clients, "stripe", lambda: state.stripe)
    monkeypatch.setattr(catalogue, "get_settings", lambda: app_settings(**state.env))
    monkeypatch.setattr(catalogue.time, "monotonic", lambda: state.now)
    monkeypatch.setattr(catalogue, "_kept", None)
    monkeypatch.setattr(catalogue, "_reading", {})
    return state


def plans():
    return asyncio.run(catalogue.plans())


def test_plans_are_the_active_recurring_prices_of_active_products(world):
    assert plans() == (Plan("price_pro_m", "Pro", 2000, "usd", "month", 1),
                       Plan("price_pro_y", "Pro", 19200, "usd", "year", 1),
                       Plan("price_team_m", "Team", 4900, "usd", "month", 1))
    assert world.stripe.prices_listed == [{"active": True, "type": "recurring",
                                           "expand": ["data.product"], "limit": 100}]


def test_stripe_price_ids_limits_and_orders_them(world):
    world.env = {"STRIPE_PRICE_IDS": "price_team_m,price_setup,price_pro_m,price_gone"}
    assert [p.price_id for p in plans()] == ["price_team_m", "price_pro_m"]
    assert asyncio.run(catalogue.default_price()) == "price_team_m"
    # The doctor checks each configured one, the ones that can't be sold too.
    assert asyncio.run(catalogue.offered_prices()) == [
        "price_team_m", "price_setup", "price_pro_m", "price_gone"]


def test_the_old_single_price_setting_still_works(world):
    world.env = {"STRIPE_PRICE_ID": "price_pro_y"}
    assert [p.price_id for p in plans()] == ["price_pro_y"]
    assert asyncio.run(catalogue.default_price()) == "price_pro_y"


def test_unset_the_default_is_stripes_first_plan_and_every_plan_is_offered(world):
    assert asyncio.run(catalogue.default_price()) == "price_pro_m"
    assert asyncio.run(catalogue.offered_prices()) == ["price_pro_m", "price_pro_y",
                                                        "price_team_m"]
    assert asyncio.run(catalogue.offered("price_team_m"))
    assert not asyncio.run(catalogue.offered("price_setup"))


def test_no_plan_to_sell_is_an_upstream_error(world):
    world.stripe.answer = [CATALOGUE[2]]
    with pytest.raises(UpstreamError, match="STRIPE_PRICE_IDS"):
        asyncio.run(catalogue.default_price())


def test_read_once_and_kept_for_a_few_minutes(world):
    plans()
    world.now += catalogue.KEEP_FOR_S - 1
    plans()
    assert len(world.stripe.prices_listed) == 1
    world.now += 2
    plans()
    assert len(world.stripe.prices_listed) == 2


def test_forget_makes_the_next_read_ask_stripe(world):
    plans()
    world.stripe.answer = [price("price_pro_m", PRO, 2500)]
    catalogue.forget()
    assert plans() == (Plan("price_pro_m", "Pro", 2500, "usd", "month", 1),)
    assert len(world.stripe.prices_listed) == 2


def test_a_read_that_a_change_overtook_is_not_kept(world):
    """A webhook arriving while the list is on its way: that (older) list isn't kept."""
    world.stripe.during_read = catalogue.forget
    plans()
    world.stripe.during_read = None
    plans()
    plans()
    assert len(world.stripe.prices_listed) == 2


def test_another_setting_reads_again(world):
    plans()
    world.env = {"STRIPE_PRICE_IDS": "price_team_m"}
    assert [p.price_id for p in plans()] == ["price_team_m"]
    assert len(world.stripe.prices_listed) == 2


def test_page_loads_that_find_it_stale_together_make_one_read(world):
    async def together():
        return await asyncio.gather(*(catalogue.plans() for _ in range(20)))

    answers = asyncio.run(together())
    assert len(world.stripe.prices_listed) == 1 and len(set(answers)) == 1
