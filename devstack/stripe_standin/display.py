"""How amounts, prices, products, cards and dates read for people, on the hosted pages and in
invoice line descriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .store import StripeState


def money(amount: int, currency: str) -> str:
    """E.g. "$20.00", "-$3.10", "12.00 EUR"."""
    value = f"{abs(amount) / 100:,.2f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}${value}" if currency == "usd" else f"{sign}{value} {currency.upper()}"


def price_label(price: dict[str, Any], quantity: int = 1) -> str:
    """E.g. "$20.00 / month", or "$99.00" for a one-time price."""
    amount = money(price["unit_amount"] * quantity, price["currency"])
    recurring = price["recurring"]
    if not recurring:
        return amount
    count = recurring["interval_count"]
    every = recurring["interval"] if count == 1 else f"{count} {recurring['interval']}s"
    return f"{amount} / {every}"


def product_name(state: StripeState, price: dict[str, Any]) -> str:
    product = state.products.get(price["product"])
    return product["name"] if product else price["id"]


def price_name(state: StripeState, price: dict[str, Any]) -> str:
    """The price's nickname ("Pro Monthly"), else its product's name."""
    return price.get("nickname") or product_name(state, price)


def card_label(brand: str, last4: str) -> str:
    """E.g. "Visa •••• 4242", as Stripe's hosted pages name a card."""
    return f"{brand.title()} •••• {last4}"


def day_label(ts: int) -> str:
    """A date for people, e.g. "March 5, 2027" (UTC)."""
    moment = datetime.fromtimestamp(ts, UTC)
    return f"{moment:%B} {moment.day}, {moment.year}"


def short_date(ts: int) -> str:
    """E.g. "05 Mar 2027", as Stripe dates proration lines."""
    return datetime.fromtimestamp(ts, UTC).strftime("%d %b %Y")
