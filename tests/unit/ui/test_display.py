"""How the billing page words a subscription."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from billing_app.billing.payment_details import NextPayment, PaymentMethod
from billing_app.billing.subscription import Subscription
from billing_app.ui.display import (
    ends_banner,
    format_price,
    next_payment_line,
    payment_failed_banner,
    payment_method_line,
    renewal_line,
    trial_banner,
)

END = datetime(2026, 12, 27, tzinfo=UTC)


def sub(**changes) -> Subscription:
    base = {"user_id": "u", "stripe_customer_id": "cus", "stripe_subscription_id": "sub",
            "status": "active", "price_id": "p", "plan_label": "Pro (monthly)",
            "unit_amount": 2000, "currency": "usd", "billing_interval": "month",
            "current_period_end": END, "cancel_at_period_end": False, "cancel_at": None,
            "canceled_at": None}
    base.update(changes)
    return Subscription(**base)


def test_prices():
    assert format_price(2000, "usd", "month") == "$20.00 / month"
    assert format_price(19200, "usd", "year") == "$192.00 / year"
    assert format_price(500, "jpy", "month") == "¥500 / month"
    assert format_price(1999, "chf", None) == "19.99 CHF"
    assert format_price(None, "usd", "month") == ""


def test_active_renews():
    assert renewal_line(sub()) == "Renews on December 27, 2026"


def test_cancel_at_period_end_cancels_on_the_period_end():
    assert renewal_line(sub(cancel_at_period_end=True)) == "Cancels on December 27, 2026"


def test_explicit_cancel_at_wins():
    when = datetime(2027, 1, 5, tzinfo=UTC)
    assert renewal_line(sub(cancel_at=when)) == "Cancels on January 5, 2027"


def test_canceled_says_when():
    when = datetime(2026, 11, 2, tzinfo=UTC)
    assert renewal_line(sub(status="canceled", canceled_at=when)) == "Canceled on November 2, 2026"


@pytest.mark.parametrize("status", ["past_due", "unpaid", "incomplete"])
def test_a_failed_payment_is_an_alert_naming_the_plan(status):
    assert payment_failed_banner(sub(status=status)) == (
        "Your last payment failed. Update your payment method to keep Pro (monthly).")


@pytest.mark.parametrize("status", ["active", "trialing", "canceled", "incomplete_expired",
                                    "paused"])
def test_no_failed_payment_no_alert(status):
    assert payment_failed_banner(sub(status=status)) == ""
    assert payment_failed_banner(None) == ""


def test_a_trial_says_when_it_ends():
    assert trial_banner(sub(status="trialing")) == "Trial ends on December 27, 2026"
    assert trial_banner(sub()) == "" and trial_banner(None) == ""


def test_a_scheduled_cancellation_says_when_the_plan_ends():
    assert ends_banner(sub(cancel_at_period_end=True)) == "Your plan ends on December 27, 2026."
    when = datetime(2027, 1, 5, tzinfo=UTC)
    assert ends_banner(sub(cancel_at=when)) == "Your plan ends on January 5, 2027."


def test_nothing_ends_for_a_renewing_or_an_ended_plan():
    assert ends_banner(sub()) == ""
    assert ends_banner(sub(status="canceled", cancel_at_period_end=True)) == ""
    assert ends_banner(None) == ""


def test_cards_by_brand_last_four_and_expiry():
    assert payment_method_line(PaymentMethod("card", "visa", "4242", 12, 2034)) == (
        "Visa ending in 4242, expires 12/2034")
    assert payment_method_line(PaymentMethod("card", "amex", "0005", 3, 2030)) == (
        "American Express ending in 0005, expires 03/2030")
    assert payment_method_line(PaymentMethod("card", "brand_new", "1111", None, None)) == (
        "Card ending in 1111")


def test_other_methods_by_name_and_none_on_file():
    assert payment_method_line(PaymentMethod("us_bank_account")) == "US bank account"
    assert payment_method_line(PaymentMethod("cashapp")) == "Cashapp"
    assert payment_method_line(None) == "No payment method on file"


def test_the_next_payment():
    payment = NextPayment(2000, "usd", datetime(2027, 1, 1, 1, tzinfo=UTC))
    assert next_payment_line(payment) == "$20.00 on January 1, 2027"
