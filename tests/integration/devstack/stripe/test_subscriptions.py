"""Subscriptions: changes with Stripe's rules, their webhooks, and lists."""

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


def test_subscription_changes_fire_signed_webhooks_in_order(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    sub_id = subscription.id
    item = subscription["items"].data[0]
    period_end = item.current_period_end

    canceling = standin.client.v1.subscriptions.update(
        sub_id, params={"cancel_at_period_end": True}
    )
    assert canceling.cancel_at_period_end is True
    assert canceling.cancel_at == period_end
    assert canceling.canceled_at is not None
    assert canceling.cancellation_details.reason == "cancellation_requested"

    kept = standin.client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": False})
    assert (kept.cancel_at_period_end, kept.cancel_at, kept.canceled_at) == (False, None, None)

    switched = standin.client.v1.subscriptions.update(
        sub_id,
        params={
            "items": [{"id": item.id, "price": TEAM_MONTHLY}],
            "proration_behavior": "create_prorations",
        },
    )
    assert switched["items"].data[0].id == item.id
    assert switched["items"].data[0].price.id == TEAM_MONTHLY

    canceled = standin.client.v1.subscriptions.cancel(sub_id)
    assert canceled.status == "canceled"
    assert canceled.canceled_at is not None and canceled.ended_at is not None

    standin.wait_for_webhooks()
    got = standin.receiver.events_about(sub_id)
    events = [stripe.Webhook.construct_event(r["body"], r["signature"], standin.whsec) for r in got]
    assert [e.type for e in events] == [
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]
    assert events[1].data.previous_attributes["cancel_at_period_end"] is False
    assert events[2].data.previous_attributes["cancel_at_period_end"] is True
    assert events[3].data.previous_attributes["items"]["data"][0]["price"]["id"] == PRO_MONTHLY
    assert events[4].data.object.status == "canceled"
    assert events[1].request.id is not None and events[1].api_version == stripe.api_version


def test_updating_a_canceled_subscription_is_refused(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    standin.client.v1.subscriptions.cancel(subscription.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.subscriptions.update(
            subscription.id, params={"cancel_at_period_end": True}
        )
    assert (
        "A canceled subscription can only update its cancellation_details and metadata."
        == caught.value.user_message
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.subscriptions.cancel(subscription.id)
    assert caught.value.code == "resource_missing"


def test_subscription_list_hides_canceled_unless_asked(
    standin: Standin, customer: stripe.Customer
) -> None:
    keep = standin.client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": PRO_MONTHLY}]}
    )
    gone = standin.client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": PRO_YEARLY}]}
    )
    standin.client.v1.subscriptions.cancel(gone.id)
    default = standin.client.v1.subscriptions.list(params={"customer": customer.id})
    everything = standin.client.v1.subscriptions.list(
        params={"customer": customer.id, "status": "all"}
    )
    assert [s.id for s in default.data] == [keep.id]
    assert [s.id for s in everything.data] == [gone.id, keep.id]


def test_a_subscriptions_own_default_payment_method_pays_before_the_customers(
    standin: Standin,
) -> None:
    customer = standin.customer_paying_with("pm_card_chargeCustomerFail")
    visa = standin.client.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": customer.id}
    )
    sub = standin.client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": PRO_MONTHLY}],
            "default_payment_method": visa.id,
        }
    )
    assert (sub.status, sub.default_payment_method) == ("active", visa.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.subscriptions.update(
            sub.id, params={"default_payment_method": "pm_card_visa"}
        )
    assert (caught.value.code, caught.value.param) == ("resource_missing", "default_payment_method")


def test_restarting_the_cycle_on_a_declining_card_makes_the_subscription_past_due(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    declining = standin.client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": subscription.customer}
    )
    standin.client.v1.customers.update(
        subscription.customer,
        params={"invoice_settings": {"default_payment_method": declining.id}},
    )
    updated = standin.client.v1.subscriptions.update(
        subscription.id,
        params={"billing_cycle_anchor": {"type": "now"}, "proration_behavior": "none"},
    )
    assert updated.status == "past_due"
    invoice = standin.client.v1.invoices.retrieve(updated.latest_invoice)
    assert (invoice.status, invoice.amount_due, invoice.billing_reason) == (
        "open",
        2000,
        "subscription_update",
    )
    assert updated.billing_cycle_anchor == updated["items"].data[0].current_period_start


def test_only_active_recurring_prices_can_be_subscribed_to(
    standin: Standin, customer: stripe.Customer
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"price": PRO_SETUP_FEE}]}
        )
    assert caught.value.param == "items[0][price]"
    assert "only accepts prices with `type=recurring`" in caught.value.user_message
