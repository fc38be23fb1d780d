"""The seeded catalogue: products and prices."""

from __future__ import annotations

from tests.integration.devstack.stripe.harness import PRO_MONTHLY, PRO_YEARLY, TEAM_MONTHLY, Standin


def test_seeded_prices_are_found_by_lookup_key(standin: Standin) -> None:
    prices = standin.client.v1.prices.list(
        params={"lookup_keys": ["pro_monthly", "pro_yearly"], "active": True}
    )
    assert sorted(p.id for p in prices.data) == [PRO_MONTHLY, PRO_YEARLY]
    team = standin.client.v1.prices.retrieve(TEAM_MONTHLY, params={"expand": ["product"]})
    assert (team.unit_amount, team.recurring.interval, team.product.name) == (4900, "month", "Team")
