"""How the billing page words a subscription, a plan and an invoice, in the user's locale
(Babel): numbers, currencies, dates and the interval word follow it, the page's words don't."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from billing_app.billing.payment_details import NextPayment, PaymentMethod
from billing_app.billing.subscription import Subscription
from billing_app.ui.display import (
    ends_banner,
    format_day,
    format_money,
    format_price,
    interval_word,
    invoice_status_label,
    next_payment_line,
    payment_failed_banner,
    payment_method_line,
    renewal_line,
    trial_banner,
)

END = datetime(2026, 12, 27, tzinfo=UTC)
NEW_YEAR = datetime(2027, 1, 1, tzinfo=UTC)
NBSP = "\xa0"


def sub(**changes) -> Subscription:
    base = {"user_id": "u", "stripe_customer_id": "cus", "stripe_subscription_id": "sub",
            "status": "active", "price_id": "p", "plan_label": "Pro (monthly)",
            "unit_amount": 2000, "currency": "usd", "billing_interval": "month",
            "current_period_end": END, "cancel_at_period_end": False, "cancel_at": None,
            "canceled_at": None}
    base.update(changes)
    return Subscription(**base)


def test_the_issues_examples():
    assert format_price(2000, "usd", "month", "en_US") == "$20.00 / month"
    assert format_day(NEW_YEAR, "en_US") == "January 1, 2027"
    assert format_price(2000, "usd", "month", "de_DE") == f"20,00{NBSP}$ / Monat"
    assert format_day(NEW_YEAR, "de_DE") == "1. Januar 2027"


def test_french():
    assert format_price(19200, "usd", "year", "fr_FR") == f"192,00{NBSP}$US / an"
    assert format_price(2000, "eur", "month", "fr_FR") == f"20,00{NBSP}€ / mois"
    assert format_day(NEW_YEAR, "fr_FR") == "1 janvier 2027"


@pytest.mark.parametrize("locale,expected", [
    ("en_US", "$192.00 / year"),
    ("en_GB", "US$192.00 / year"),
    ("ja_JP", "$192.00 / 年"),
    ("pt_BR", f"US${NBSP}192,00 / ano"),
])
def test_the_interval_word_and_currency_follow_the_locale(locale, expected):
    assert format_price(19200, "usd", "year", locale) == expected


def test_amounts_are_in_the_currencys_smallest_unit():
    assert format_money(500, "jpy", "en_US") == "¥500"  # yen has no minor unit
    assert format_money(1999, "chf", "de_CH") == f"CHF{NBSP}19.99"
    assert format_money(123456, "usd", "de_DE") == f"1.234,56{NBSP}$"
    assert format_price(1999, "chf", None, "en_US") == "CHF19.99"
    assert format_price(None, "usd", "month", "en_US") == ""


def test_intervals_of_more_than_one():
    assert interval_word("month", "en_US", 3) == "3 months"
    assert interval_word("week", "de_DE", 2) == "2 Wochen"
    assert format_price(1000, "usd", "month", "en_US", 3) == "$10.00 / 3 months"
    assert interval_word("day", "en_US") == "day"


def test_invoice_status_words_stay_english():
    assert [invoice_status_label(s) for s in ("paid", "open", "void", "uncollectible")] == [
        "Paid", "Open", "Void", "Uncollectible"]


def test_active_renews():
    assert renewal_line(sub(), "en_US") == "Renews on December 27, 2026"
    assert renewal_line(sub(), "de_DE") == "Renews on 27. Dezember 2026"


def test_a_trial_says_when_billing_starts():
    assert renewal_line(sub(status="trialing"), "en_US") == "Billing starts on December 27, 2026"


@pytest.mark.parametrize("status", ["past_due", "unpaid", "incomplete"])
def test_a_failed_payment_is_overdue_not_renewing(status):
    assert renewal_line(sub(status=status), "en_US") == "Payment overdue"
    assert renewal_line(sub(status=status, cancel_at_period_end=True),
                        "en_US") == "Cancels on December 27, 2026"


def test_cancel_at_period_end_cancels_on_the_period_end():
    assert renewal_line(sub(cancel_at_period_end=True), "en_US") == "Cancels on December 27, 2026"


def test_explicit_cancel_at_wins():
    when = datetime(2027, 1, 5, tzinfo=UTC)
    assert renewal_line(sub(cancel_at=when), "en_US") == "Cancels on January 5, 2027"


def test_canceled_says_when():
    when = datetime(2026, 11, 2, tzinfo=UTC)
    assert renewal_line(sub(status="canceled", canceled_at=when),
                        "en_US") == "Canceled on November 2, 2026"


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
    assert trial_banner(sub(status="trialing"), "en_US") == "Trial ends on December 27, 2026"
    assert trial_banner(sub(status="trialing"), "de_DE") == "Trial ends on 27. Dezember 2026"
    assert trial_banner(sub(), "en_US") == "" and trial_banner(None, "en_US") == ""


def test_a_scheduled_cancellation_says_when_the_plan_ends():
    assert ends_banner(sub(cancel_at_period_end=True),
                       "en_US") == "Your plan ends on December 27, 2026."
    when = datetime(2027, 1, 5, tzinfo=UTC)
    assert ends_banner(sub(cancel_at=when), "en_US") == "Your plan ends on January 5, 2027."


def test_nothing_ends_for_a_renewing_or_an_ended_plan():
    assert ends_banner(sub(), "en_US") == ""
    assert ends_banner(sub(status="canceled", cancel_at_period_end=True), "en_US") == ""
    assert ends_banner(None, "en_US") == ""


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
    assert next_payment_line(payment, "en_US") == "$20.00 on January 1, 2027"
    assert next_payment_line(payment, "de_DE") == "20,00 $ on 1. Januar 2027"
