"""How the billing page words a subscription, a plan and an invoice: prices, dates, status
labels and colours, the banners about a subscription, and its payment details (the card, the
next payment). Numbers, currencies, dates and the interval word follow the user's locale
(Babel, from CLDR's data); the page's own words stay English."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision
from babel.units import format_unit

from billing_app.billing.payment_details import NextPayment, PaymentMethod
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


# Statuses in which Stripe couldn't take the last payment.
PAYMENT_FAILED_STATUSES = frozenset({"past_due", "unpaid", "incomplete"})


def renewal_line(sub: Subscription, locale: Locale | str) -> str:
    """"Renews on ...", "Cancels on ..." or "Canceled on ...", as Stripe's state says; during a
    trial, when billing starts; while a payment has failed, that it is overdue (the renewal
    date means little until it is paid)."""
    if sub.has_ended:
        return (f"Canceled on {format_day(sub.canceled_at, locale)}" if sub.canceled_at
                else "Canceled")
    if sub.cancel_at_period_end or sub.cancel_at:
        return f"Cancels on {format_day(sub.ends_at, locale)}"
    if sub.status in PAYMENT_FAILED_STATUSES:
        return "Payment overdue"
    if not sub.current_period_end:
        return ""
    day = format_day(sub.current_period_end, locale)
    return f"Billing starts on {day}" if sub.status == "trialing" else f"Renews on {day}"


def payment_failed_banner(sub: Subscription | None) -> str:
    """The alert (with "Update payment method") while the last payment has failed, else ""."""
    if sub is None or sub.status not in PAYMENT_FAILED_STATUSES:
        return ""
    plan = sub.plan_label or "your subscription"
    return f"Your last payment failed. Update your payment method to keep {plan}."


def trial_banner(sub: Subscription | None, locale: Locale | str) -> str:
    """"Trial ends on ..." while trialing (the trial is the first period), else ""."""
    if sub is None or sub.status != "trialing" or not sub.current_period_end:
        return ""
    return f"Trial ends on {format_day(sub.current_period_end, locale)}"


def ends_banner(sub: Subscription | None, locale: Locale | str) -> str:
    """"Your plan ends on ..." (with "Resume subscription") while a cancellation is
    scheduled, else ""."""
    if sub is None or not sub.cancellation_scheduled or not sub.ends_at:
        return ""
    return f"Your plan ends on {format_day(sub.ends_at, locale)}."


# Stripe's card brands (PaymentMethod.card.brand) as people write them.
CARD_BRANDS = {
    "amex": "American Express", "cartes_bancaires": "Cartes Bancaires",
    "diners": "Diners Club", "discover": "Discover", "eftpos_au": "eftpos Australia",
    "interac": "Interac", "jcb": "JCB", "link": "Link", "mastercard": "Mastercard",
    "unionpay": "UnionPay", "visa": "Visa",
}
# Other payment method types, where their name isn't the type's words capitalized.
METHOD_TYPES = {"us_bank_account": "US bank account", "sepa_debit": "SEPA Direct Debit",
                "bacs_debit": "Bacs Direct Debit", "acss_debit": "Pre-authorized debit",
                "au_becs_debit": "BECS Direct Debit", "paypal": "PayPal", "link": "Link"}


def payment_method_line(method: PaymentMethod | None) -> str:
    """"Visa ending in 4242, expires 12/2034"; another kind by its name; or that none is on
    file."""
    if method is None:
        return "No payment method on file"
    if method.type != "card" or not method.last4:
        return METHOD_TYPES.get(method.type, method.type.replace("_", " ").capitalize())
    brand = CARD_BRANDS.get(method.brand or "", "Card")
    line = f"{brand} ending in {method.last4}"
    if method.exp_month and method.exp_year:
        line += f", expires {method.exp_month:02d}/{method.exp_year}"
    return line


def next_payment_line(payment: NextPayment, locale: Locale | str) -> str:
    """"$20.00 on January 1, 2027" (en-US)."""
    return (f"{format_money(payment.amount_due, payment.currency, locale)} on "
            f"{format_day(payment.at, locale)}")
