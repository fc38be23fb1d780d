"""The resume action's decisions, with Supabase and Stripe replaced by recorded answers (the
decision code in billing/account.py and billing/resume.py runs for real). Over HTTP:
tests/integration/api/test_resume_subscription.py."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import stripe

from billing_app.billing import account, resume
from billing_app.billing.subscription import Subscription
from billing_app.platform import rate_limits
from billing_app.platform.outcomes import NO_SUBSCRIPTION, UPSTREAM_FAILED, Outcome
from billing_app.session.supabase_auth import User
from tests.helpers import app_settings

ALICE = User("11111111-1111-1111-1111-111111111111", "alice@example.com")
PERIOD_END = 1_798_761_600


def row(status="active", subscription="sub_alice") -> Subscription:
    return Subscription(ALICE.id, "cus_alice", subscription, status, "price_1", "Pro (monthly)",
                        2000, "usd", "month", None, True, None, None)


def stripe_subscription(sub_id: str, cancel_at_period_end: bool) -> stripe.Subscription:
    price = {"id": "price_1", "unit_amount": 2000, "currency": "usd",
             "recurring": {"interval": "month", "interval_count": 1},
             "product": {"id": "prod_1", "name": "Pro"}}
    return stripe.Subscription.construct_from({
        "id": sub_id, "object": "subscription", "customer": "cus_alice", "status": "active",
        "cancel_at_period_end": cancel_at_period_end, "cancel_at": None, "canceled_at": None,
        "items": {"data": [{"price": price, "current_period_end": PERIOD_END}]},
    }, "sk_test_x")


@pytest.fixture
def world(monkeypatch):
    state = SimpleNamespace(row=row(), updates=[], error=None)

    async def verify(token):
        return ALICE

    async def read_own(token):
        return state.row

    async def update_async(sub_id, params):
        state.updates.append((sub_id, params))
        if state.error:
            raise state.error
        return stripe_subscription(sub_id, params["cancel_at_period_end"])

    subscriptions = SimpleNamespace(update_async=update_async)
    monkeypatch.setattr(account.supabase_auth, "verify", verify)
    monkeypatch.setattr(account.subscription, "read_own", read_own)
    monkeypatch.setattr(resume.clients, "stripe",
                        lambda: SimpleNamespace(v1=SimpleNamespace(subscriptions=subscriptions)))
    monkeypatch.setattr(rate_limits, "get_settings",
                        lambda: app_settings(PORTAL_RATE_LIMIT="2/minute"))
    monkeypatch.setattr(rate_limits, "_by_loop", {})
    return state


def run(n: int = 1) -> list:
    async def tries():
        return [await resume.resume_subscription("token") for _ in range(n)]
    return asyncio.run(tries())


def test_the_rows_subscription_stops_cancelling_and_stripes_answer_comes_back(world):
    [result] = run()
    assert world.updates == [("sub_alice", {"cancel_at_period_end": False,
                                            "expand": ["items.data.price.product"]})]
    assert result.outcome is Outcome.RESUMED
    assert result.subscription.cancel_at_period_end is False
    assert result.subscription.plan_label == "Pro (monthly)"
    assert result.subscription.current_period_end.timestamp() == PERIOD_END


@pytest.mark.parametrize("found", [None, row(status="canceled"), row(subscription=None)],
                         ids=["no-row", "ended", "no-subscription"])
def test_nothing_live_to_resume_is_no_subscription_without_stripe(world, found):
    world.row = found
    assert run() == [NO_SUBSCRIPTION]
    assert world.updates == []


def test_it_shares_the_portals_limit_and_a_refusal_costs_stripe_nothing(world):
    results = run(3)
    assert [r.outcome for r in results] == [Outcome.RESUMED] * 2 + [Outcome.RATE_LIMITED]
    assert len(world.updates) == 2


def test_a_stripe_failure_is_upstream_failed(world):
    world.error = stripe.APIConnectionError("network")
    assert run() == [UPSTREAM_FAILED]
