"""Checkout's customer reuse: one Stripe customer per user, whatever the order of clicks.
Stripe is a recorded fake here; the whole flow runs against the stand-in in
tests/integration/api/test_checkout_sessions.py."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import stripe

from billing_app.billing import checkout
from billing_app.session.supabase_auth import User

ALICE = User("11111111-1111-1111-1111-111111111111", "alice@example.com")


class FakeCustomers:
    def __init__(self, existing: list[dict]):
        self.existing = existing
        self.calls: list[tuple] = []

    async def list_async(self, params):
        self.calls.append(("list", params))
        found = [c for c in self.existing if c["email"] == params["email"]]
        return SimpleNamespace(data=[SimpleNamespace(id=c["id"], to_dict=lambda c=c: c)
                                     for c in found])

    async def create_async(self, params, options):
        self.calls.append(("create", params, options))
        return SimpleNamespace(id="cus_new")


@pytest.fixture
def customers(monkeypatch):
    fake = FakeCustomers([])
    monkeypatch.setattr(checkout.clients, "stripe",
                        lambda: SimpleNamespace(v1=SimpleNamespace(customers=fake)))
    return fake


def customer_for(user: User, known: str | None = None) -> str:
    return asyncio.run(checkout.customer_for(user, known))


def test_the_rows_customer_is_used_without_asking_stripe(customers):
    assert customer_for(ALICE, "cus_in_row") == "cus_in_row"
    assert customers.calls == []


def test_stripes_customer_for_this_user_is_reused(customers):
    customers.existing = [
        {"id": "cus_other", "email": ALICE.email, "metadata": {"user_id": "someone-else"}},
        {"id": "cus_alice", "email": ALICE.email, "metadata": {"user_id": ALICE.id}},
    ]
    assert customer_for(ALICE) == "cus_alice"
    assert [c[0] for c in customers.calls] == ["list"]


def test_a_customer_with_the_same_email_but_another_user_is_not_taken(customers):
    customers.existing = [{"id": "cus_other", "email": ALICE.email, "metadata": {}}]
    assert customer_for(ALICE) == "cus_new"
    _, params, options = customers.calls[-1]
    assert params == {"email": ALICE.email, "metadata": {"user_id": ALICE.id}}
    assert options == {"idempotency_key": f"billing-app-customer-{ALICE.id}"}


def test_a_user_without_an_email_gets_a_new_customer_without_a_search(customers):
    assert customer_for(User(ALICE.id, "")) == "cus_new"
    assert [c[0] for c in customers.calls] == ["create"]


class FailingCustomers(FakeCustomers):
    """Creating fails `failures` times: with a replayed answer when `replayed`."""

    def __init__(self, failures: int, replayed: bool):
        super().__init__([])
        self.failures, self.replayed = failures, replayed

    async def create_async(self, params, options):
        self.calls.append(("create", params, options))
        if self.failures:
            self.failures -= 1
            headers = {"Idempotent-Replayed": "true"} if self.replayed else {}
            raise stripe.APIError("An unknown error occurred", http_status=500, headers=headers)
        return SimpleNamespace(id="cus_new")


def use(monkeypatch, fake):
    monkeypatch.setattr(checkout.clients, "stripe",
                        lambda: SimpleNamespace(v1=SimpleNamespace(customers=fake)))


def test_a_fresh_500_is_reported_and_nothing_else_is_tried(monkeypatch):
    fake = FailingCustomers(1, replayed=False)
    use(monkeypatch, fake)
    with pytest.raises(stripe.APIError):
        customer_for(ALICE)
    assert [c[0] for c in fake.calls] == ["list", "create"]


def test_a_replayed_failure_looks_again_then_makes_one_under_a_key_of_its_own(monkeypatch):
    fake = FailingCustomers(1, replayed=True)
    use(monkeypatch, fake)
    assert customer_for(ALICE) == "cus_new"
    assert [c[0] for c in fake.calls] == ["list", "create", "list", "create"]
    first_key, second_key = (c[2]["idempotency_key"] for c in fake.calls if c[0] == "create")
    assert first_key == f"billing-app-customer-{ALICE.id}"
    assert second_key.startswith(f"billing-app-customer-{ALICE.id}-") and second_key != first_key


def test_a_replayed_failure_reuses_a_customer_the_failed_attempt_made(monkeypatch):
    fake = FailingCustomers(1, replayed=True)
    use(monkeypatch, fake)
    original = fake.list_async
    lists = 0

    async def list_async(params):
        nonlocal lists
        lists += 1
        if lists == 2:  # the 500 had made the customer after all
            fake.existing = [{"id": "cus_made", "email": ALICE.email,
                              "metadata": {"user_id": ALICE.id}}]
        return await original(params)

    fake.list_async = list_async
    assert customer_for(ALICE) == "cus_made"
    assert [c[0] for c in fake.calls] == ["list", "create", "list"]
