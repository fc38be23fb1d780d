"""How the billing page words a subscription."""

from __future__ import annotations

from datetime import UTC, datetime

from billing_app.billing.subscription import Subscription
from billing_app.ui.display import format_price, renewal_line

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
