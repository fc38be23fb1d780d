"""Which card and which next payment the billing page shows, from Stripe's objects
(billing/payment_details.py), and that the two reads run at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import stripe

from billing_app.billing import payment_details
from billing_app.billing.payment_details import NextPayment, PaymentMethod
from billing_app.billing.subscription import Subscription
from billing_app.platform.outcomes import UpstreamError


def card(last4: str, brand: str = "visa") -> dict:
    return {"id": f"pm_{last4}", "type": "card",
            "card": {"brand": brand, "last4": last4, "exp_month": 3, "exp_year": 2031}}


def test_the_subscriptions_own_method_comes_first():
    sub = {"default_payment_method": card("4444", "mastercard"),
           "customer": {"invoice_settings": {"default_payment_method": card("4242")}}}
    assert payment_details.payment_method_of(sub) == PaymentMethod("card", "mastercard", "4444",
                                                                   3, 2031)


def test_else_the_customers_default():
    sub = {"default_payment_method": None,
           "customer": {"invoice_settings": {"default_payment_method": card("4242")}}}
    assert payment_details.payment_method_of(sub).last4 == "4242"


@pytest.mark.parametrize("customer", [{"invoice_settings": {"default_payment_method": None}},
                                      "cus_not_expanded", {"invoice_settings": None}])
def test_none_on_file(customer):
    assert payment_details.payment_method_of({"default_payment_method": None,
                                              "customer": customer}) is None


def test_another_kind_of_method_keeps_its_type():
    method = {"id": "pm_1", "type": "us_bank_account", "us_bank_account": {"last4": "6789"}}
    assert payment_details.payment_method_of({"default_payment_method": method}) == (
        PaymentMethod("us_bank_account"))


def test_the_next_payment_is_the_previews_amount_due_on_its_date():
    preview = {"amount_due": 2000, "currency": "usd", "created": 1_798_761_600,
               "next_payment_attempt": 1_798_765_200}
    assert payment_details.next_payment_of(preview) == NextPayment(
        2000, "usd", datetime(2027, 1, 1, tzinfo=UTC))


ROW = Subscription("u", "cus_1", "sub_1", "active", current_period_end=None)


class FakeStripe:
    """Both reads wait until the other has started: they only finish when run at once."""

    def __init__(self, preview_error: Exception | None = None):
        self.started: list[str] = []
        self.both = asyncio.Event()
        self.preview_error = preview_error
        self.v1 = SimpleNamespace(
            subscriptions=SimpleNamespace(retrieve_async=self.retrieve_async),
            invoices=SimpleNamespace(create_preview_async=self.create_preview_async))

    async def _start(self, name: str) -> None:
        self.started.append(name)
        if {"subscription", "preview"} <= set(self.started):
            self.both.set()
        await asyncio.wait_for(self.both.wait(), 1)

    async def retrieve_async(self, sub_id, params):
        assert (sub_id, params) == ("sub_1", {"expand": payment_details.EXPAND})
        await self._start("subscription")
        return stripe.StripeObject.construct_from(
            {"default_payment_method": card("4242"), "customer": "cus_1"}, "sk")

    async def create_preview_async(self, params):
        assert params == {"customer": "cus_1", "subscription": "sub_1"}
        await self._start("preview")
        if self.preview_error:
            raise self.preview_error
        return stripe.StripeObject.construct_from(
            {"amount_due": 2000, "currency": "usd", "created": 1_798_761_600}, "sk")


def read(monkeypatch, fake: FakeStripe, row: Subscription = ROW):
    monkeypatch.setattr(payment_details.clients, "stripe", lambda: fake)
    return asyncio.run(payment_details.read_payment_details(row))


def test_both_reads_run_at_once(monkeypatch):
    details = read(monkeypatch, FakeStripe())
    assert details.payment_method.last4 == "4242" and details.next_payment.amount_due == 2000


def test_nothing_more_to_bill_is_no_next_payment_not_a_failure(monkeypatch):
    none = stripe.InvalidRequestError("No upcoming invoices for customer: cus_1", None,
                                      code="invoice_upcoming_none")
    details = read(monkeypatch, FakeStripe(preview_error=none))
    assert details.next_payment is None and details.payment_method.last4 == "4242"


def test_a_scheduled_cancellation_asks_no_preview(monkeypatch):
    fake = FakeStripe()
    fake.both.set()  # only one read is expected
    ending = Subscription("u", "cus_1", "sub_1", "active", cancel_at_period_end=True)
    details = read(monkeypatch, fake, ending)
    assert fake.started == ["subscription"] and details.next_payment is None


def test_a_stripe_failure_is_an_upstream_error(monkeypatch):
    with pytest.raises(UpstreamError, match="Stripe failed"):
        read(monkeypatch, FakeStripe(preview_error=stripe.APIConnectionError("network")))
