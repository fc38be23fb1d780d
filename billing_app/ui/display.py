"""How the billing page words a subscription, a plan and an invoice: prices, dates, status
labels and colours. Numbers, currencies, dates and the interval word follow the user's locale
(Babel, from CLDR's data); the page's own words stay English."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision
from babel.units import format_unit

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
INVOICE_STATUS_LABELS = {"paid": "Paid", "open": "Open", "void": "Void",
                         "uncollectible": "Uncollectible", "draft": "Draft"}
INVOICE_STATUS_COLORS = {"paid": "green", "open": "orange", "void": "gray",
                         "uncollectible": "red", "draft": "gray"}
# The plan picker's switch.
INTERVAL_LABELS = {"day": "Daily", "week": "Weekly", "month": "Monthly", "year": "Yearly"}
# Stripe's intervals as CLDR's units.
INTERVAL_UNITS = {"day": "duration-day", "week": "duration-week", "month": "duration-month",
                  "year": "duration-year"}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def invoice_status_label(status: str | None) -> str:
    return INVOICE_STATUS_LABELS.get(status or "", (status or "").capitalize())


def format_money(amount: int, currency: str, locale: Locale | str) -> str:
    """`amount` in the currency's smallest unit (Stripe's), as the locale writes it:
    2000 usd is "$20.00" in en-US, "20,00 $" in de-DE; 500 jpy is "¥500"."""
    code = currency.upper()
    value = Decimal(amount).scaleb(-get_currency_precision(code))
    return format_currency(value, code, locale=locale)


def interval_word(interval: str, locale: Locale | str, count: int = 1) -> str:
    """"month", "Monat", "mois"; "3 months" for every third: CLDR's long unit pattern for one
    (Babel's format_unit with an empty number), or with the count."""
    unit = INTERVAL_UNITS.get(interval)
    if unit is None:
        return interval
    return format_unit(count if count != 1 else "", unit, length="long", locale=locale).strip()


def format_price(amount: int | None, currency: str | None, interval: str | None,
                 locale: Locale | str, interval_count: int = 1) -> str:
    """"$20.00 / month" (en-US), "20,00 $ / Monat" (de-DE); without an interval, the amount."""
    if amount is None or not currency:
        return ""
    money = format_money(amount, currency, locale)
    return f"{money} / {interval_word(interval, locale, interval_count)}" if interval else money


def format_day(moment: datetime | None, locale: Locale | str) -> str:
    """"January 1, 2027" (en-US), "1. Januar 2027" (de-DE): the locale's long date."""
    return format_date(moment, format="long", locale=locale) if moment else ""


def renewal_line(sub: Subscription, locale: Locale | str) -> str:
    """"Renews on ...", "Cancels on ..." or "Canceled on ...", as Stripe's state says."""
    if sub.has_ended:
        return (f"Canceled on {format_day(sub.canceled_at, locale)}" if sub.canceled_at
                else "Canceled")
    if sub.cancel_at_period_end or sub.cancel_at:
        return f"Cancels on {format_day(sub.cancel_at or sub.current_period_end, locale)}"
    if sub.current_period_end:
        return f"Renews on {format_day(sub.current_period_end, locale)}"
    return ""
