"""`python -m devstack seed`: every demo account signs in with demo-password, and each row and
its Stripe subscription are in the state the README promises."""

from __future__ import annotations

import time

import pytest
import stripe

from devstack import seed as demo
from tests.helpers import sign_in


def row_of(admin, user_id: str) -> dict | None:
    found = admin.table("user_subscriptions").select("*").eq("user_id", user_id).execute().data
    return found[0] if found else None


def stripe_state(stripe_client: stripe.StripeClient, row: dict) -> tuple:
    sub = stripe_client.v1.subscriptions.retrieve(row["stripe_subscription_id"])
    customer = stripe_client.v1.customers.retrieve(
        row["stripe_customer_id"], params={"expand": ["invoice_settings.default_payment_method"]}
    )
    invoices = stripe_client.v1.invoices.list(params={"subscription": sub.id}).data
    return sub, customer.invoice_settings.default_payment_method.card.last4, invoices


@pytest.mark.parametrize("email", sorted(demo.DEMO_ACCOUNTS))
def test_every_demo_account_signs_in_with_the_demo_password(stack, demo_users, email) -> None:
    assert sign_in(stack, email)["user"]["id"] == demo_users[email]


def test_demo_is_active_on_visa_with_a_paid_invoice(admin, stripe_client, demo_users) -> None:
    row = row_of(admin, demo_users[demo.DEMO_EMAIL])
    sub, last4, invoices = stripe_state(stripe_client, row)
    assert (row["status"], sub.status, last4) == ("active", "active", "4242")
    assert [i.status for i in invoices] == ["paid"]


def test_pastdue_has_a_failed_open_invoice_on_the_declining_card(
    admin, stripe_client, demo_users
) -> None:
    row = row_of(admin, demo_users[demo.PASTDUE_EMAIL])
    sub, last4, invoices = stripe_state(stripe_client, row)
    assert (row["status"], sub.status, last4) == ("past_due", "past_due", "0341")
    latest = stripe_client.v1.invoices.retrieve(sub.latest_invoice)
    assert (latest.status, latest.attempt_count, latest.amount_remaining) == ("open", 1, 2000)
    assert [i.status for i in invoices] == ["open", "paid"]


def test_canceling_is_active_until_the_period_ends(admin, stripe_client, demo_users) -> None:
    row = row_of(admin, demo_users[demo.CANCELING_EMAIL])
    sub, _, _ = stripe_state(stripe_client, row)
    assert (row["status"], row["cancel_at_period_end"], sub.cancel_at_period_end) == (
        "active",
        True,
        True,
    )
    assert sub.cancel_at == sub["items"].data[0].current_period_end


def test_trialing_ends_its_trial_in_three_days(admin, stripe_client, demo_users) -> None:
    row = row_of(admin, demo_users[demo.TRIALING_EMAIL])
    sub, last4, _ = stripe_state(stripe_client, row)
    assert (row["status"], sub.status, last4) == ("trialing", "trialing", "4242")
    assert abs(sub.trial_end - (time.time() + 3 * 86400)) < 600


def test_nosub_has_no_row(admin, demo_users) -> None:
    assert row_of(admin, demo_users[demo.NOSUB_EMAIL]) is None
