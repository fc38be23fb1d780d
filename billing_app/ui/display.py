"""How the billing page words a subscription: prices, dates, status labels and colours, the
banners about it, and its payment details (the card, the next payment)."""

from __future__ import annotations

from datetime import datetime

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
        return f"Cancels on {format_day(sub.ends_at)}"
    if sub.current_period_end:
        return f"Renews on {format_day(sub.current_period_end)}"
    return ""


# Statuses in which Stripe couldn't take the last payment.
PAYMENT_FAILED_STATUSES = frozenset({"past_due", "unpaid", "incomplete"})


def payment_failed_banner(sub: Subscription | None) -> str:
    """The alert (with "Update payment method") while the last payment has failed, else ""."""
    if sub is None or sub.status not in PAYMENT_FAILED_STATUSES:
        return ""
    plan = sub.plan_label or "your subscription"
    return f"Your last payment failed. Update your payment method to keep {plan}."


def trial_banner(sub: Subscription | None) -> str:
    """"Trial ends on ..." while trialing (the trial is the first period), else ""."""
    if sub is None or sub.status != "trialing" or not sub.current_period_end:
        return ""
    return f"Trial ends on {format_day(sub.current_period_end)}"


def ends_banner(sub: Subscription | None) -> str:
    """"Your plan ends on ..." (with "Resume subscription") while a cancellation is
    scheduled, else ""."""
    if sub is None or not sub.cancellation_scheduled or not sub.ends_at:
        return ""
    return f"Your plan ends on {format_day(sub.ends_at)}."


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


def next_payment_line(payment: NextPayment) -> str:
    """"$20.00 on January 1, 2027"."""
    return f"{format_price(payment.amount_due, payment.currency, None)} on {format_day(payment.at)}"
