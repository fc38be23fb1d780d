"""The invoice preview (`POST /v1/invoices/create_preview`): the next invoice's amount and date,
scheduled cancellations, trials, plan changes with prorations, and its refusals."""

from __future__ import annotations

import pytest
import stripe

from tests.integration.devstack.stripe.harness import (
    PRO_MONTHLY,
    PRO_YEARLY,
    TEAM_MONTHLY,
    Standin,
)

HOUR, DAY = 3600, 86400


def subscribe(standin: Standin, **params: object) -> stripe.Subscription:
    customer = standin.customer_paying_with("pm_card_visa")
    return standin.client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": PRO_MONTHLY}], **params}
    )


def preview(standin: Standin, **params: object) -> stripe.Invoice:
    return standin.client.v1.invoices.create_preview(params=params)


def test_the_next_invoice_is_the_renewal_at_the_end_of_the_period(standin: Standin) -> None:
    sub = subscribe(standin)
    period_end = sub["items"].data[0].current_period_end
    upcoming = preview(standin, subscription=sub.id)
    assert upcoming.id.startswith("upcoming_in_")
    assert (upcoming.amount_due, upcoming.currency, upcoming.status) == (2000, "usd", "draft")
    assert (upcoming.billing_reason, upcoming.created) == ("subscription_cycle", period_end)
    assert upcoming.next_payment_attempt == period_end + HOUR
    [line] = upcoming.lines.data
    assert line.id.startswith("il_tmp_") and line.period.start == period_end
    assert preview(standin, customer=sub.customer).amount_due == 2000
    listed = standin.client.v1.invoices.list(params={"subscription": sub.id}).data
    assert upcoming.id not in [i.id for i in listed]


def test_nothing_more_to_bill_is_invoice_upcoming_none(standin: Standin) -> None:
    sub = subscribe(standin)
    standin.client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    for params in ({"subscription": sub.id}, {"customer": sub.customer}):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            preview(standin, **params)
        assert (caught.value.http_status, caught.value.code) == (404, "invoice_upcoming_none")
        assert caught.value.user_message == f"No upcoming invoices for customer: {sub.customer}"
    standin.client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": False})
    assert preview(standin, subscription=sub.id).amount_due == 2000
    with pytest.raises(stripe.InvalidRequestError) as caught:
        preview(
            standin,
            subscription=sub.id,
            subscription_details={"cancel_at_period_end": True},
        )
    assert caught.value.code == "invoice_upcoming_none"
    standin.client.v1.subscriptions.cancel(sub.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        preview(standin, subscription=sub.id)
    assert caught.value.code == "invoice_upcoming_none"


def test_a_trial_previews_its_first_paid_invoice(standin: Standin) -> None:
    sub = subscribe(standin, trial_period_days=14)
    upcoming = preview(standin, subscription=sub.id)
    assert (upcoming.amount_due, upcoming.created) == (2000, sub.trial_end)


def test_a_switch_on_the_same_interval_prorates_into_the_next_invoice(standin: Standin) -> None:
    sub = subscribe(standin)
    item = sub["items"].data[0]
    moment = item.current_period_start + 10 * DAY
    start, end = item.current_period_start, item.current_period_end
    share = (end - moment) / (end - start)
    details = {
        "items": [{"id": item.id, "price": TEAM_MONTHLY}],
        "proration_date": moment,
    }
    upcoming = preview(standin, subscription=sub.id, subscription_details=details)
    credit, charge, renewal = upcoming.lines.data
    assert credit.amount == -round(2000 * share) and charge.amount == round(4900 * share)
    assert credit.description.startswith("Unused time on Pro after")
    assert charge.description.startswith("Remaining time on Team after")
    assert credit.parent.subscription_item_details.proration is True
    assert renewal.parent.subscription_item_details.proration is False
    assert (renewal.amount, upcoming.created) == (4900, item.current_period_end)
    assert upcoming.amount_due == credit.amount + charge.amount + 4900

    standin.client.v1.subscriptions.update(sub.id, params={**details})
    assert preview(standin, subscription=sub.id).amount_due == upcoming.amount_due
    assert standin.client.v1.subscriptions.retrieve(sub.id).latest_invoice == sub.latest_invoice


def test_a_switch_to_a_yearly_price_is_invoiced_at_once(standin: Standin) -> None:
    sub = subscribe(standin)
    item = sub["items"].data[0]
    details = {
        "items": [{"id": item.id, "price": PRO_YEARLY}],
        "proration_date": item.current_period_start + DAY,
    }
    upcoming = preview(standin, subscription=sub.id, subscription_details=details)
    assert upcoming.billing_reason == "subscription_update"
    credit, year = upcoming.lines.data
    assert credit.amount < 0 and year.amount == 19200
    assert upcoming.amount_due == 19200 + credit.amount
    none = preview(
        standin,
        subscription=sub.id,
        subscription_details={**details, "proration_behavior": "none"},
    )
    assert none.amount_due == 19200

    switched = standin.client.v1.subscriptions.update(sub.id, params=details)
    assert switched.billing_cycle_anchor != details["proration_date"]  # the anchor is now
    invoice = standin.client.v1.invoices.retrieve(switched.latest_invoice)
    assert (invoice.billing_reason, invoice.status) == ("subscription_update", "paid")
    assert invoice.amount_paid == upcoming.amount_due
    assert switched.billing_cycle_anchor == switched["items"].data[0].current_period_start


def test_a_new_subscription_can_be_previewed(standin: Standin) -> None:
    customer = standin.client.v1.customers.create(params={"email": "window@example.com"})
    first = preview(
        standin,
        customer=customer.id,
        subscription_details={"items": [{"price": TEAM_MONTHLY}]},
    )
    assert (first.amount_due, first.billing_reason) == (4900, "subscription_create")


def test_preview_refusals(standin: Standin) -> None:
    sub = subscribe(standin)
    stranger = standin.client.v1.customers.create(params={"email": "stranger@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        preview(standin)
    assert (caught.value.code, caught.value.param) == ("parameter_missing", "customer")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        preview(standin, customer=stranger.id, subscription=sub.id)
    assert caught.value.param == "subscription"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        preview(standin, customer=stranger.id)
    assert caught.value.code == "invoice_upcoming_none"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        preview(standin, subscription="sub_missing")
    assert (caught.value.http_status, caught.value.param) == (400, "subscription")
