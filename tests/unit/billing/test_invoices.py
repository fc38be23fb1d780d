"""The invoice list's decisions (billing/invoices.py), with Supabase and Stripe replaced by
recorded answers: the customer from the caller's row, drafts left out, at most LIMIT, the rate
limit before Stripe. The same answers over HTTP: tests/integration/api/test_invoices.py."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from billing_app.billing import account, invoices
from billing_app.billing.invoices import Invoice, Invoices
from billing_app.billing.subscription import Subscription
from billing_app.platform import rate_limits
from billing_app.platform.outcomes import NO_SUBSCRIPTION, NOT_AUTHENTICATED, Outcome
from billing_app.session.supabase_auth import User
from tests.helpers import app_settings

ALICE = User("11111111-1111-1111-1111-111111111111", "alice@example.com")


def invoice(n: int, status: str = "paid") -> dict:
    return {"id": f"in_{n}", "object": "invoice", "created": 1_800_000_000 - n,
            "amount_due": 2000, "currency": "usd", "status": status,
            "hosted_invoice_url": None if status == "draft" else f"https://invoice.stripe.com/i/{n}",
            "number": f"A-{n}"}


class Listing:
    def __init__(self, items):
        self.items = items

    async def auto_paging_iter(self):
        for item in self.items:
            yield SimpleNamespace(status=item["status"], to_dict=lambda item=item: item)


@pytest.fixture
def world(monkeypatch):
    state = SimpleNamespace(row=Subscription(ALICE.id, "cus_alice", "sub_1", "active"),
                            listed=[], answer=[invoice(n) for n in range(3)], rate="60/minute",
                            user=ALICE)

    async def verify(token):
        return state.user

    async def read_own(token):
        return state.row

    async def list_async(params):
        state.listed.append(params)
        return Listing(state.answer)

    monkeypatch.setattr(account.supabase_auth, "verify", verify)
    monkeypatch.setattr(account.subscription, "read_own", read_own)
    stripe = SimpleNamespace(v1=SimpleNamespace(invoices=SimpleNamespace(list_async=list_async)))
    monkeypatch.setattr(invoices.clients, "stripe", lambda: stripe)
    monkeypatch.setattr(rate_limits, "get_settings",
                        lambda: app_settings(INVOICES_RATE_LIMIT=state.rate))
    monkeypatch.setattr(rate_limits, "_by_loop", {})
    return state


def run(times: int = 1):
    async def calls():
        return [await invoices.list_invoices("token") for _ in range(times)]
    return asyncio.run(calls())


def test_the_customers_invoices_newest_first_with_the_documented_fields(world):
    [result] = run()
    assert world.listed == [{"customer": "cus_alice", "limit": invoices.LIMIT + 1}]
    assert result == Invoices(tuple(
        Invoice(f"in_{n}", 1_800_000_000 - n, 2000, "usd", "paid",
                f"https://invoice.stripe.com/i/{n}") for n in range(3)))
    assert result.outcome is Outcome.LISTED


def test_drafts_are_left_out_and_at_most_twelve_come_back(world):
    world.answer = [invoice(0, "draft")] + [invoice(n, "open" if n == 1 else "paid")
                                           for n in range(1, 20)]
    [result] = run()
    assert [i.id for i in result.items] == [f"in_{n}" for n in range(1, 13)]
    assert result.items[0].status == "open"


def test_without_a_customer_no_subscription_and_stripe_is_not_asked(world):
    world.row = None
    assert run() == [NO_SUBSCRIPTION]
    world.row = Subscription(ALICE.id, None, None, None)
    assert run() == [NO_SUBSCRIPTION]
    assert world.listed == []


def test_a_refused_token_is_not_authenticated(world):
    world.user = None
    assert run() == [NOT_AUTHENTICATED]
    assert world.listed == []


def test_past_the_rate_limit_stripe_is_not_asked(world):
    world.rate = "2/minute"
    first, second, third = run(3)
    assert isinstance(first, Invoices) and isinstance(second, Invoices)
    assert third.outcome is Outcome.RATE_LIMITED and 55 <= third.retry_after_s <= 60
    assert len(world.listed) == 2
