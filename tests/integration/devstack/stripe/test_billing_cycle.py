"""Time passing on the stand-in's clock: renewals and their invoices, failed renewals, trials,
scheduled cancellations and incomplete subscriptions expiring."""

from __future__ import annotations

import pytest
import stripe

from tests.integration.devstack.stripe.harness import PRO_MONTHLY, Standin

HOUR, DAY = 3600, 86400


def subscribe(standin: Standin, customer_id: str, **params: object) -> stripe.Subscription:
    return standin.client.v1.subscriptions.create(
        params={"customer": customer_id, "items": [{"price": PRO_MONTHLY}], **params}
    )


def clock_now(standin: Standin) -> int:
    return standin.control("GET", "/__devstack/clock").json()["now"]


def until(standin: Standin, moment: int, extra: int = 1) -> int:
    """Advance the clock to just past `moment`."""
    return standin.advance_clock(moment - clock_now(standin) + extra)


def test_the_clock_moves_forward_only_by_whole_seconds(standin: Standin) -> None:
    before = standin.control("GET", "/__devstack/clock").json()
    for bad in (0, -5, 1.5, "60", True, None):
        answer = standin.control("POST", "/__devstack/clock/advance", json={"seconds": bad})
        assert answer.status_code == 400, bad
    moved = standin.control("POST", "/__devstack/clock/advance", json={"seconds": 60}).json()
    assert moved["offset"] == before["offset"] + 60
    assert moved["now"] >= before["now"] + 60


def test_a_renewal_is_drafted_then_charged_an_hour_later(standin: Standin) -> None:
    sub = subscribe(standin, standin.customer_paying_with("pm_card_visa").id)
    first_item = sub["items"].data[0]
    until(standin, first_item.current_period_end)

    renewed = standin.client.v1.subscriptions.retrieve(sub.id)
    item = renewed["items"].data[0]
    assert item.current_period_start == first_item.current_period_end
    assert 28 * DAY <= item.current_period_end - item.current_period_start <= 31 * DAY
    draft = standin.client.v1.invoices.retrieve(renewed.latest_invoice)
    assert (draft.status, draft.billing_reason, draft.amount_due) == (
        "draft",
        "subscription_cycle",
        2000,
    )
    assert draft.automatically_finalizes_at == item.current_period_start + HOUR
    assert (draft.lines.data[0].period.start, draft.lines.data[0].period.end) == (
        item.current_period_start,
        item.current_period_end,
    )
    assert draft.hosted_invoice_url is None and draft.number is None

    until(standin, draft.automatically_finalizes_at)
    paid = standin.client.v1.invoices.retrieve(draft.id)
    assert (paid.status, paid.amount_paid) == ("paid", 2000)
    assert paid.status_transitions.finalized_at == draft.automatically_finalizes_at
    assert standin.event_types(draft.id) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
    ]
    assert standin.event_types(sub.id) == [
        "customer.subscription.created",
        "customer.subscription.updated",
    ]


def test_a_declined_renewal_makes_the_subscription_past_due(standin: Standin) -> None:
    customer = standin.customer_paying_with("pm_card_visa")
    sub = subscribe(standin, customer.id)
    declining = standin.client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": customer.id}
    )
    standin.client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": declining.id}}
    )
    until(standin, sub["items"].data[0].current_period_end + HOUR)

    past_due = standin.client.v1.subscriptions.retrieve(sub.id)
    assert past_due.status == "past_due"
    invoice = standin.client.v1.invoices.retrieve(past_due.latest_invoice)
    assert (invoice.status, invoice.attempt_count, invoice.amount_remaining) == ("open", 1, 2000)
    assert standin.event_types(invoice.id)[-1] == "invoice.payment_failed"
    standin.wait_for_webhooks()
    last = standin.receiver.events_about(sub.id)[-1]
    event = stripe.Webhook.construct_event(last["body"], last["signature"], standin.whsec)
    assert event.type == "customer.subscription.updated"
    assert event.data.previous_attributes["status"] == "active"

    visa = standin.client.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": customer.id}
    )
    standin.client.v1.invoices.pay(invoice.id, params={"payment_method": visa.id})
    assert standin.client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_a_trial_is_free_warns_three_days_ahead_and_ends_on_the_clock(standin: Standin) -> None:
    sub = subscribe(standin, standin.customer_paying_with("pm_card_visa").id, trial_period_days=3)
    assert sub.status == "trialing"
    assert sub.trial_end - sub.trial_start == 3 * DAY
    assert sub["items"].data[0].current_period_end == sub.trial_end == sub.billing_cycle_anchor
    first = standin.client.v1.invoices.retrieve(sub.latest_invoice)
    assert (first.status, first.amount_due, first.lines.data[0].description) == (
        "paid",
        0,
        "Trial period for Pro",
    )
    standin.advance_clock(1)
    assert standin.event_types(sub.id) == [
        "customer.subscription.created",
        "customer.subscription.trial_will_end",
    ]

    until(standin, sub.trial_end + HOUR)
    active = standin.client.v1.subscriptions.retrieve(sub.id)
    assert active.status == "active"
    assert active["items"].data[0].current_period_start == sub.trial_end
    charged = standin.client.v1.invoices.retrieve(active.latest_invoice)
    assert (charged.status, charged.amount_paid, charged.billing_reason) == (
        "paid",
        2000,
        "subscription_cycle",
    )


def test_trial_parameters_are_checked(standin: Standin) -> None:
    customer = standin.customer_paying_with("pm_card_visa")
    now = clock_now(standin)
    for params in ({"trial_end": now - 10}, {"trial_end": now + 800 * DAY},
                   {"trial_end": now + DAY, "trial_period_days": 1}):
        with pytest.raises(stripe.InvalidRequestError):
            subscribe(standin, customer.id, **params)
    ends = subscribe(standin, customer.id, trial_end=now + 2 * DAY)
    assert (ends.status, ends.trial_end) == ("trialing", now + 2 * DAY)


def test_a_scheduled_cancellation_ends_the_subscription_without_renewing(
    standin: Standin,
) -> None:
    sub = subscribe(
        standin, standin.customer_paying_with("pm_card_visa").id, cancel_at_period_end=True
    )
    assert sub.cancel_at == sub["items"].data[0].current_period_end
    until(standin, sub.cancel_at + 2 * HOUR)
    ended = standin.client.v1.subscriptions.retrieve(sub.id)
    assert (ended.status, ended.ended_at) == ("canceled", sub.cancel_at)
    assert ended.latest_invoice == sub.latest_invoice
    assert standin.event_types(sub.id)[-1] == "customer.subscription.deleted"


def test_each_period_the_clock_passes_gets_its_own_invoice(standin: Standin) -> None:
    sub = subscribe(standin, standin.customer_paying_with("pm_card_visa").id)
    standin.advance_clock(95 * DAY)
    invoices = standin.client.v1.invoices.list(params={"subscription": sub.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle"] * 3 + [
        "subscription_create"
    ]
    assert {i.status for i in invoices} == {"paid"}
    starts = [i.lines.data[0].period.start for i in reversed(invoices)]
    assert starts == sorted(starts) and len(set(starts)) == 4


def test_an_unpaid_new_subscription_expires_after_23_hours(standin: Standin) -> None:
    cardless = standin.client.v1.customers.create(params={"email": "nocard@example.com"})
    sub = subscribe(standin, cardless.id)
    assert sub.status == "incomplete"
    standin.advance_clock(23 * HOUR + 5)
    expired = standin.client.v1.subscriptions.retrieve(sub.id)
    assert expired.status == "incomplete_expired"
    assert standin.client.v1.invoices.retrieve(sub.latest_invoice).status == "void"
