"""Payment methods: Stripe's test cards, attaching and listing them, and the customer's
default."""

from __future__ import annotations

import pytest
import stripe

from tests.integration.devstack.stripe.harness import Standin

CARDS = [
    ("pm_card_visa", "visa", "4242"),
    ("pm_card_mastercard", "mastercard", "4444"),
    ("pm_card_chargeCustomerFail", "visa", "0341"),
]


@pytest.mark.parametrize(("token", "brand", "last4"), CARDS)
def test_attaching_a_test_card_makes_a_new_payment_method_each_time(
    standin: Standin, token: str, brand: str, last4: str
) -> None:
    customer = standin.client.v1.customers.create(params={"email": "cards@example.com"})
    first = standin.client.v1.payment_methods.attach(token, params={"customer": customer.id})
    second = standin.client.v1.payment_methods.attach(token, params={"customer": customer.id})
    assert first.id != second.id and first.id.startswith("pm_") and first.id != token
    assert (first.customer, first.type) == (customer.id, "card")
    card = first.card
    assert (card.brand, card.last4, card.funding, card.country) == (brand, last4, "credit", "US")
    assert (card.exp_month, card.exp_year) == (12, 2034)
    assert card.fingerprint == second.card.fingerprint
    retrieved = standin.client.v1.payment_methods.retrieve(first.id)
    assert retrieved.card.last4 == last4
    assert standin.event_types(first.id) == ["payment_method.attached"]


def test_a_customers_payment_methods_are_listed_newest_first(standin: Standin) -> None:
    customer = standin.client.v1.customers.create(params={"email": "lists@example.com"})
    visa = standin.client.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": customer.id}
    )
    mastercard = standin.client.v1.payment_methods.attach(
        "pm_card_mastercard", params={"customer": customer.id}
    )
    listed = standin.client.v1.customers.payment_methods.list(customer.id)
    assert [pm.id for pm in listed.data] == [mastercard.id, visa.id]
    by_param = standin.client.v1.payment_methods.list(
        params={"customer": customer.id, "type": "card", "limit": 1}
    )
    assert [pm.id for pm in by_param.data] == [mastercard.id] and by_param.has_more


def test_the_default_payment_method_is_set_expanded_and_announced(standin: Standin) -> None:
    customer = standin.client.v1.customers.create(params={"email": "default@example.com"})
    card = standin.client.v1.payment_methods.attach(
        "pm_card_mastercard", params={"customer": customer.id}
    )
    updated = standin.client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": card.id}}
    )
    assert updated.invoice_settings.default_payment_method == card.id
    expanded = standin.client.v1.customers.retrieve(
        customer.id, params={"expand": ["invoice_settings.default_payment_method"]}
    )
    assert expanded.invoice_settings.default_payment_method.card.last4 == "4444"
    assert standin.event_types(customer.id) == ["customer.created", "customer.updated"]
    standin.wait_for_webhooks()
    [record] = [
        r for r in standin.receiver.events_about(customer.id) if b"customer.updated" in r["body"]
    ]
    event = stripe.Webhook.construct_event(record["body"], record["signature"], standin.whsec)
    assert event.data.previous_attributes["invoice_settings"]["default_payment_method"] is None


def test_a_customer_is_created_paying_with_a_test_card(standin: Standin) -> None:
    customer = standin.customer_paying_with("pm_card_visa")
    default = customer.invoice_settings.default_payment_method
    assert default.startswith("pm_") and default != "pm_card_visa"
    assert standin.client.v1.payment_methods.retrieve(default).customer == customer.id


def test_a_default_must_be_attached_to_the_customer(standin: Standin) -> None:
    customer = standin.client.v1.customers.create(params={"email": "strict@example.com"})
    other = standin.customer_paying_with("pm_card_visa", "other@example.com")
    for given in ("pm_card_visa", other.invoice_settings.default_payment_method):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            standin.client.v1.customers.update(
                customer.id, params={"invoice_settings": {"default_payment_method": given}}
            )
        assert (caught.value.code, caught.value.param) == (
            "resource_missing",
            "invoice_settings[default_payment_method]",
        )
        assert caught.value.user_message == (
            f"The customer does not have a payment method with the ID {given}. The payment "
            "method must be attached to the customer."
        )


def test_attaching_refuses_another_customers_card_and_unknown_ids(standin: Standin) -> None:
    owner = standin.customer_paying_with("pm_card_visa", "owner@example.com")
    thief = standin.client.v1.customers.create(params={"email": "thief@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.payment_methods.attach(
            owner.invoice_settings.default_payment_method, params={"customer": thief.id}
        )
    assert "already been attached to a customer" in caught.value.user_message
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.payment_methods.attach("pm_nope", params={"customer": thief.id})
    assert (caught.value.http_status, caught.value.code) == (404, "resource_missing")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.payment_methods.attach("pm_card_visa", params={"customer": "cus_no"})
    assert (caught.value.code, caught.value.param) == ("resource_missing", "customer")
