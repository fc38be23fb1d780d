"""The portal action's decisions (the home page and each flow), with Supabase and Stripe replaced
by recorded answers.

Only the collaborators are stand-ins here (auth, the row read, Stripe); the decision code in
billing/account.py and billing/portal.py runs for real. The integration tests cover the same answers over HTTP.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import stripe

from billing_app.billing import account, portal
from billing_app.billing.locales import from_accept_language
from billing_app.billing.portal import PortalFlow
from billing_app.billing.subscription import Subscription
from billing_app.platform import rate_limits
from billing_app.platform.outcomes import (
    CANCELLATION_SCHEDULED,
    NO_SUBSCRIPTION,
    NOT_AUTHENTICATED,
    UPSTREAM_FAILED,
    Outcome,
    Redirect,
    UpstreamError,
)
from billing_app.session.supabase_auth import User
from tests.helpers import app_settings

ALICE = User("11111111-1111-1111-1111-111111111111", "alice@example.com")


def row(user_id=ALICE.id, customer="cus_alice", status="active", subscription="sub_1",
        cancel_at_period_end=False) -> Subscription:
    return Subscription(user_id, customer, subscription, status, "price_1", "Pro (monthly)",
                        2000, "usd", "month", None, cancel_at_period_end, None, None)


class FakeStripe:
    def __init__(self, error: Exception | None = None):
        self.calls: list[dict] = []
        self.error = error
        sessions = SimpleNamespace(create_async=self.create_async)
        self.v1 = SimpleNamespace(billing_portal=SimpleNamespace(sessions=sessions))

    async def create_async(self, params):
        self.calls.append(params)
        if self.error:
            raise self.error
        return SimpleNamespace(url=f"https://billing.stripe.com/p/session/{len(self.calls)}")


@pytest.fixture
def world(monkeypatch):
    """Recorded answers for auth.verify, subscriptions.read_own and Stripe."""
    state = SimpleNamespace(user=ALICE, row=row(), stripe=FakeStripe(), config_id=None, order=[],
                            rate_limit="10/minute")

    async def verify(token):
        state.order.append("verify")
        if isinstance(state.user, Exception):
            raise state.user
        return state.user

    async def read_own(token):
        state.order.append("read")
        if isinstance(state.row, Exception):
            raise state.row
        return state.row

    monkeypatch.setattr(account.supabase_auth, "verify", verify)
    monkeypatch.setattr(account.subscription, "read_own", read_own)
    monkeypatch.setattr(portal.clients, "stripe", lambda: state.stripe)

    def settings():
        config = {"STRIPE_CUSTOMER_PORTAL_CONFIG_ID": state.config_id} if state.config_id else {}
        return app_settings(PORTAL_RATE_LIMIT=state.rate_limit, **config)

    monkeypatch.setattr(portal, "get_settings", settings)
    monkeypatch.setattr(rate_limits, "get_settings", settings)
    # Each test's event loop gets a fresh in-memory limiter.
    monkeypatch.setattr(rate_limits, "_by_loop", {})
    return state


def run(token="token", **options):
    return asyncio.run(portal.create_portal_session(token, **options))


def test_own_row_gives_a_portal_for_its_customer(world):
    assert run() == Redirect("https://billing.stripe.com/p/session/1")
    assert world.stripe.calls == [{
        "customer": "cus_alice",
        "return_url": "https://app.example.com/dashboard/settings/billing",
        "locale": "auto",
    }]


@pytest.mark.parametrize("tag,sent", [("de-DE", "de"), ("en-NZ", "en-NZ"), ("fr-CA", "fr-CA"),
                                      ("pt-PT", "pt"), ("hi-IN", "auto"), ("gsw", "auto")])
def test_the_portal_opens_in_the_users_language_when_it_has_it(world, tag, sent):
    """The portal's own list (stripe-python's) has en-NZ but no Hindi; Checkout's differs."""
    run(locale=from_accept_language(tag))
    assert world.stripe.calls[0]["locale"] == sent


def test_configuration_is_passed_when_set(world):
    world.config_id = "bpc_123"
    run()
    assert world.stripe.calls[0]["configuration"] == "bpc_123"


def test_no_token_is_unauthorized_without_calling_anyone(world):
    assert run(None) == NOT_AUTHENTICATED
    assert world.order == [] and world.stripe.calls == []


def test_refused_token_is_unauthorized_whatever_the_row_read_said(world):
    world.user, world.row = None, UpstreamError("401 from REST")
    assert run() == NOT_AUTHENTICATED
    assert world.stripe.calls == []


def test_no_row_is_no_subscription(world):
    world.row = None
    assert run() == NO_SUBSCRIPTION


def test_row_without_customer_is_no_subscription(world):
    world.row = row(customer=None)
    assert run() == NO_SUBSCRIPTION


@pytest.mark.parametrize("status", ["canceled", "past_due", "unpaid", "incomplete_expired"])
def test_any_status_still_opens_the_portal(world, status):
    world.row = row(status=status)
    assert isinstance(run(), Redirect)


def test_a_row_of_another_user_is_a_failure_not_a_portal(world):
    world.row = row(user_id="22222222-2222-2222-2222-222222222222", customer="cus_bob")
    assert run() == UPSTREAM_FAILED
    assert world.stripe.calls == []


def test_supabase_failures_are_the_documented_500(world):
    world.user = UpstreamError("auth down")
    assert run() == UPSTREAM_FAILED
    world.user, world.row = ALICE, UpstreamError("rest down")
    assert run() == UPSTREAM_FAILED


def test_stripe_failures_are_the_documented_500(world):
    world.stripe = FakeStripe(stripe.APIConnectionError("network"))
    assert run() == UPSTREAM_FAILED
    world.stripe = FakeStripe(stripe.InvalidRequestError("No such customer", "customer",
                                                         code="resource_missing"))
    assert run() == UPSTREAM_FAILED


def test_both_supabase_calls_start_before_either_finishes(world, monkeypatch):
    started: list[str] = []
    both = asyncio.Event()

    async def verify(token):
        started.append("verify")
        if len(started) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), 1)
        return ALICE

    async def read_own(token):
        started.append("read")
        if len(started) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), 1)
        return row()

    monkeypatch.setattr(account.supabase_auth, "verify", verify)
    monkeypatch.setattr(account.subscription, "read_own", read_own)
    assert isinstance(run(), Redirect)


def clicks(n: int, token: str = "token") -> list:
    """n portal tries by the same user within one event loop (the limiter lives per loop)."""
    async def many():
        return [await portal.create_portal_session(token) for _ in range(n)]
    return asyncio.run(many())


def test_past_the_limit_is_429_with_a_wait_and_stripe_is_not_called(world):
    world.rate_limit = "3/minute"
    results = clicks(5)
    assert all(isinstance(r, Redirect) for r in results[:3])
    for refused in results[3:]:
        assert refused.outcome is Outcome.RATE_LIMITED
        assert 1 <= refused.retry_after_s <= 60
    assert len(world.stripe.calls) == 3


def test_the_default_limit_is_ten_a_minute(world):
    results = clicks(11)
    assert [r.outcome for r in results] == [Outcome.REDIRECT] * 10 + [Outcome.RATE_LIMITED]


def test_the_limit_counts_per_user(world, monkeypatch):
    world.rate_limit = "1/minute"
    bob = User("22222222-2222-2222-2222-222222222222", "bob@example.com")
    rows = {ALICE.id: row(), bob.id: row(user_id=bob.id, customer="cus_bob")}

    async def verify(token):
        return ALICE if token == "alice" else bob

    async def read_own(token):
        return rows[ALICE.id if token == "alice" else bob.id]

    monkeypatch.setattr(account.supabase_auth, "verify", verify)
    monkeypatch.setattr(account.subscription, "read_own", read_own)

    async def both():
        return [await portal.create_portal_session(t) for t in ("alice", "bob", "alice")]

    first_alice, bob_result, second_alice = asyncio.run(both())
    assert isinstance(first_alice, Redirect) and isinstance(bob_result, Redirect)
    assert second_alice.outcome is Outcome.RATE_LIMITED
    assert [c["customer"] for c in world.stripe.calls] == ["cus_alice", "cus_bob"]


def test_users_without_a_customer_are_not_counted(world):
    world.rate_limit = "1/minute"
    world.row = None
    assert clicks(3) == [NO_SUBSCRIPTION] * 3


def test_a_failing_rate_limit_store_is_the_documented_500_without_stripe(world, monkeypatch):
    async def broken(limit, key):
        raise UpstreamError("the rate-limit store failed: ConnectionError")

    monkeypatch.setattr(rate_limits, "wait_s", broken)
    assert run() == UPSTREAM_FAILED
    assert world.stripe.calls == []


BILLING = "https://app.example.com/dashboard/settings/billing"
BACK_TO_BILLING = {"type": "redirect", "redirect": {"return_url": BILLING}}


def test_the_payment_method_flow_needs_only_the_customer(world):
    assert isinstance(run(flow=PortalFlow.PAYMENT_METHOD_UPDATE), Redirect)
    assert world.stripe.calls == [{
        "customer": "cus_alice", "return_url": BILLING, "locale": "auto",
        "flow_data": {"type": "payment_method_update", "after_completion": BACK_TO_BILLING},
    }]


@pytest.mark.parametrize("flow", [PortalFlow.SUBSCRIPTION_UPDATE, PortalFlow.SUBSCRIPTION_CANCEL])
def test_the_plan_flows_name_the_rows_subscription(world, flow):
    world.row = row(subscription="sub_from_the_row")
    assert isinstance(run(flow=flow), Redirect)
    assert world.stripe.calls[0]["flow_data"] == {
        "type": flow.value, flow.value: {"subscription": "sub_from_the_row"},
        "after_completion": BACK_TO_BILLING}


@pytest.mark.parametrize("flow", [PortalFlow.SUBSCRIPTION_UPDATE, PortalFlow.SUBSCRIPTION_CANCEL])
@pytest.mark.parametrize("ended", [{"status": "canceled"}, {"status": "incomplete_expired"},
                                   {"subscription": None}], ids=["canceled", "expired", "none"])
def test_the_plan_flows_need_a_live_subscription(world, flow, ended):
    world.row = row(**ended)
    assert run(flow=flow) == NO_SUBSCRIPTION
    assert world.stripe.calls == []


def test_an_ended_subscriptions_card_can_still_be_updated(world):
    world.row = row(status="canceled")
    assert isinstance(run(flow=PortalFlow.PAYMENT_METHOD_UPDATE), Redirect)


def test_cancelling_what_is_already_set_to_end_is_refused_before_stripe(world):
    world.row = row(cancel_at_period_end=True)
    assert run(flow=PortalFlow.SUBSCRIPTION_CANCEL) == CANCELLATION_SCHEDULED
    assert world.stripe.calls == []
    assert isinstance(run(flow=PortalFlow.SUBSCRIPTION_UPDATE), Redirect)
    assert isinstance(run(), Redirect)


def test_a_refused_flow_is_not_counted_against_the_limit(world):
    world.rate_limit = "1/minute"
    world.row = row(cancel_at_period_end=True)

    async def tries():
        return [await portal.create_portal_session("t", flow=PortalFlow.SUBSCRIPTION_CANCEL),
                await portal.create_portal_session("t")]

    assert [r.outcome for r in asyncio.run(tries())] == [Outcome.CANCELLATION_SCHEDULED,
                                                         Outcome.REDIRECT]
