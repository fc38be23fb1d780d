"""How the billing page words a subscription: prices, dates, status labels and colours."""

from __future__ import annotations

from datetime import datetime

from billing_app.billing.subscription import Subscription

STATUS_LABELS = {
    "active": "Active",
    "trialing": "Trial",
    "past_due": "Past due",
    "unpaid": "Unpaid",
    "canceled": "Canceled",
    "incomplete": "Incomplete",
    "incomplete_expired": "Expired",
    "paused": "Paused",
}
STATUS_COLORS = {"active": "green", "trialing": "blue", "past_due": "orange", "unpaid": "red",
                 "canceled": "gray", "incomplete": "orange", "incomplete_expired": "gray",
                 "paused": "gray"}
CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$"}
ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "isk", "ugx"}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def format_price(amount: int | None, currency: str | None, interval: str | None) -> str:
    if amount is None or not currency:
        return ""
    code = currency.lower()
    value = amount if code in ZERO_DECIMAL else amount / 100
    number = f"{value:,.0f}" if code in ZERO_DECIMAL else f"{value:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(code)
    text = f"{symbol}{number}" if symbol else f"{number} {code.upper()}"
    return f"{text} / {interval}" if interval else text


def format_day(moment: datetime | None) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}" if moment else ""


def renewal_line(sub: Subscription) -> str:
    """"Renews on ...", "Cancels on ..." or "Canceled on ...", as Stripe's state says."""
    if sub.has_ended:
        return f"Canceled on {format_day(sub.canceled_at)}" if sub.canceled_at else "Canceled"
    if sub.cancel_at_period_end or sub.cancel_at:
        return f"Cancels on {format_day(sub.cancel_at or sub.current_period_end)}"
    if sub.current_period_end:
        return f"Renews on {format_day(sub.current_period_end)}"
    return ""
