"""Invoices: the first one of a subscription, paying (and failing to pay) them, their lists,
closing them, and the hosted invoice page."""

from __future__ import annotations

import re

import httpx
import pytest
import stripe

from tests.integration.devstack.stripe.harness import PRO_MONTHLY, Standin

PAID_EVENTS = ["invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]
FAILED_EVENTS = ["invoice.created", "invoice.finalized", "invoice.payment_failed"]


def subscribe(standin: Standin, customer_id: str, **params: object) -> stripe.Subscription:
    return standin.client.v1.subscriptions.create(
        params={"customer": customer_id, "items": [{"price": PRO_MONTHLY}], **params}
    )


def test_a_new_subscription_is_invoiced_and_paid_at_once(standin: Standin) -> None:
    customer = standin.customer_paying_with("pm_card_visa")
    sub = subscribe(standin, customer.id)
    assert sub.status == "active"
    invoice = standin.client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.amount_due, invoice.amount_paid, invoice.currency) == (
        "paid",
        2000,
        2000,
        "usd",
    )
    assert (invoice.billing_reason, invoice.customer, invoice.attempt_count) == (
        "subscription_create",
        customer.id,
        1,
    )
    assert invoice.parent.subscription_details.subscription == sub.id
    assert re.fullmatch(rf"{customer.invoice_prefix}-0001", invoice.number)
    assert invoice.status_transitions.paid_at == invoice.created
    [line] = invoice.lines.data
    item = sub["items"].data[0]
    assert (line.amount, line.description) == (2000, "1 × Pro (at $20.00 / month)")
    assert (line.period.start, line.period.end) == (
        item.current_period_start,
        item.current_period_end,
    )
    assert line.pricing.price_details.price == PRO_MONTHLY
    assert line.parent.subscription_item_details.subscription_item == item.id
    assert invoice.hosted_invoice_url.startswith(f"{standin.url}/i/")
    assert standin.event_types(invoice.id) == PAID_EVENTS
    assert standin.event_types(sub.id) == ["customer.subscription.created"]
    expanded = standin.client.v1.subscriptions.retrieve(
        sub.id, params={"expand": ["latest_invoice"]}
    )
    assert expanded.latest_invoice.id == invoice.id


def test_a_declined_first_payment_leaves_the_subscription_incomplete(standin: Standin) -> None:
    customer = standin.customer_paying_with("pm_card_chargeCustomerFail")
    sub = subscribe(standin, customer.id)
    assert sub.status == "incomplete"
    invoice = standin.client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.amount_remaining, invoice.attempt_count) == ("open", 2000, 1)
    assert standin.event_types(invoice.id) == FAILED_EVENTS

    visa = standin.client.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": customer.id}
    )
    paid = standin.client.v1.invoices.pay(invoice.id, params={"payment_method": visa.id})
    assert (paid.status, paid.amount_paid, paid.attempt_count) == ("paid", 2000, 2)
    assert standin.client.v1.subscriptions.retrieve(sub.id).status == "active"
    assert standin.event_types(invoice.id)[-2:] == ["invoice.paid", "invoice.payment_succeeded"]
    assert standin.event_types(sub.id) == [
        "customer.subscription.created",
        "customer.subscription.updated",
    ]


def test_paying_is_refused_as_stripe_refuses_it(standin: Standin) -> None:
    declining = standin.customer_paying_with("pm_card_chargeCustomerFail")
    invoice_id = subscribe(standin, declining.id).latest_invoice
    with pytest.raises(stripe.CardError) as caught:
        standin.client.v1.invoices.pay(invoice_id)
    assert caught.value.http_status == 402
    assert (caught.value.code, caught.value.error.decline_code) == (
        "card_declined",
        "generic_decline",
    )
    assert caught.value.user_message == "Your card was declined."
    assert standin.client.v1.invoices.retrieve(invoice_id).attempt_count == 2

    paying = standin.customer_paying_with("pm_card_visa")
    paid_id = subscribe(standin, paying.id).latest_invoice
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.invoices.pay(paid_id)
    assert caught.value.user_message == "Invoice is already paid"

    cardless = standin.client.v1.customers.create(params={"email": "cardless@example.com"})
    sub = subscribe(standin, cardless.id)
    assert sub.status == "incomplete"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.invoices.pay(sub.latest_invoice)
    assert caught.value.code == "resource_missing"
    assert caught.value.user_message == (
        "This customer has no attached payment source or default payment method."
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.invoices.pay(
            sub.latest_invoice, params={"payment_method": "pm_card_visa"}
        )
    assert (caught.value.code, caught.value.param) == ("resource_missing", "payment_method")


def test_invoices_are_listed_by_customer_subscription_and_status(standin: Standin) -> None:
    customer = standin.customer_paying_with("pm_card_visa", "lister@example.com")
    first, second = subscribe(standin, customer.id), subscribe(standin, customer.id)
    mine = standin.client.v1.invoices.list(params={"customer": customer.id})
    assert [i.id for i in mine.data] == [second.latest_invoice, first.latest_invoice]
    one = standin.client.v1.invoices.list(params={"customer": customer.id, "limit": 1})
    assert len(one.data) == 1 and one.has_more
    by_sub = standin.client.v1.invoices.list(params={"subscription": first.id})
    assert [i.id for i in by_sub.data] == [first.latest_invoice]
    open_ones = standin.client.v1.invoices.list(params={"customer": customer.id, "status": "open"})
    assert open_ones.data == []
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.invoices.list(params={"status": "unpaid"})
    assert caught.value.param == "status"


def test_open_invoices_can_be_marked_uncollectible_then_voided(standin: Standin) -> None:
    customer = standin.customer_paying_with("pm_card_chargeCustomerFail")
    invoice_id = subscribe(standin, customer.id).latest_invoice
    uncollectible = standin.client.v1.invoices.mark_uncollectible(invoice_id)
    assert uncollectible.status == "uncollectible"
    void = standin.client.v1.invoices.void_invoice(invoice_id)
    assert (void.status, void.amount_remaining) == ("void", 0)
    assert void.status_transitions.voided_at is not None
    assert standin.event_types(invoice_id)[-2:] == [
        "invoice.marked_uncollectible",
        "invoice.voided",
    ]
    with pytest.raises(stripe.InvalidRequestError):
        standin.client.v1.invoices.void_invoice(invoice_id)
    with pytest.raises(stripe.InvalidRequestError):
        standin.client.v1.invoices.pay(invoice_id)


def test_the_hosted_invoice_page_shows_the_invoice_and_takes_a_test_card(standin: Standin) -> None:
    customer = standin.customer_paying_with("pm_card_chargeCustomerFail")
    invoice = standin.client.v1.invoices.retrieve(subscribe(standin, customer.id).latest_invoice)
    page = httpx.get(invoice.hosted_invoice_url)
    assert page.status_code == 200
    assert "Local stand-in for Stripe&#x27;s hosted invoice page" in page.text
    assert invoice.number in page.text and "Open" in page.text and "$20.00" in page.text
    declined = httpx.post(invoice.hosted_invoice_url, data={"card": "pm_card_chargeCustomerFail"})
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    paid = httpx.post(invoice.hosted_invoice_url, data={"card": "pm_card_mastercard"})
    assert paid.status_code == 303
    assert standin.client.v1.invoices.retrieve(invoice.id).status == "paid"
    assert "Paid" in httpx.get(invoice.hosted_invoice_url).text
    assert httpx.get(f"{standin.url}/i/test_made_up").status_code == 404
