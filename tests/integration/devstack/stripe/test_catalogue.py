"""The seeded catalogue: products and prices, the filters a plan picker uses, and changes to
them with their events."""

from __future__ import annotations

import pytest
import stripe

from tests.integration.devstack.stripe.harness import (
    PRO_MONTHLY,
    PRO_SETUP_FEE,
    PRO_YEARLY,
    TEAM_MONTHLY,
    Standin,
)


def test_seeded_prices_are_found_by_lookup_key(standin: Standin) -> None:
    prices = standin.client.v1.prices.list(
        params={"lookup_keys": ["pro_monthly", "pro_yearly"], "active": True}
    )
    assert sorted(p.id for p in prices.data) == [PRO_MONTHLY, PRO_YEARLY]
    team = standin.client.v1.prices.retrieve(TEAM_MONTHLY, params={"expand": ["product"]})
    assert (team.unit_amount, team.recurring.interval, team.product.name) == (4900, "month", "Team")


def test_a_plan_picker_gets_active_recurring_prices_with_their_products(standin: Standin) -> None:
    recurring = standin.client.v1.prices.list(
        params={"active": True, "type": "recurring", "expand": ["data.product"]}
    )
    assert sorted(p.id for p in recurring.data) == sorted([PRO_MONTHLY, PRO_YEARLY, TEAM_MONTHLY])
    assert {p.product.name for p in recurring.data} == {"Pro", "Team"}
    one_time = standin.client.v1.prices.list(params={"type": "one_time"})
    assert [p.id for p in one_time.data] == [PRO_SETUP_FEE]
    assert (one_time.data[0].recurring, one_time.data[0].unit_amount) == (None, 5000)
    products = standin.client.v1.products.list(params={"active": True})
    assert sorted(p.id for p in products.data) == ["prod_devstack_pro", "prod_devstack_team"]
    picked = standin.client.v1.products.list(params={"ids": ["prod_devstack_team"]})
    assert [p.name for p in picked.data] == ["Team"]


def test_deactivating_a_price_is_announced_and_stops_new_subscriptions(
    standin: Standin, customer: stripe.Customer
) -> None:
    try:
        price = standin.client.v1.prices.update(TEAM_MONTHLY, params={"active": False})
        assert price.active is False
        active = standin.client.v1.prices.list(params={"active": True, "type": "recurring"})
        assert TEAM_MONTHLY not in [p.id for p in active.data]
        with pytest.raises(stripe.InvalidRequestError) as caught:
            standin.client.v1.subscriptions.create(
                params={"customer": customer.id, "items": [{"price": TEAM_MONTHLY}]}
            )
        assert caught.value.user_message == (
            "The price specified is inactive. This field only accepts active prices."
        )
    finally:
        standin.client.v1.prices.update(TEAM_MONTHLY, params={"active": True})
    standin.client.v1.products.update("prod_devstack_team", params={"description": "Teams."})
    assert standin.event_types(TEAM_MONTHLY) == ["price.updated", "price.updated"]
    assert standin.event_types("prod_devstack_team") == ["product.updated"]
