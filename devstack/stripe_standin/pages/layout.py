"""What the hosted pages share: the page frame with its stand-in banner, and prices for people."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..store import StripeState

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; background: #f6f8fa; color: #1a1f36; }
.banner { background: #fff4d6; border-bottom: 2px solid #e5b300; padding: 10px 16px; font-weight: 600; }
.banner small { display: block; font-weight: 400; }
main { max-width: 640px; margin: 24px auto; padding: 0 16px; }
.card { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 16px; margin: 16px 0; }
.muted { color: #6a7383; }
.status { display: inline-block; padding: 2px 8px; border-radius: 10px; background: #e3f2e8; font-size: 0.9em; }
.status.canceling { background: #fde7e7; }
form { display: inline-block; margin: 4px 8px 4px 0; }
button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid #8792a2; background: #fff; cursor: pointer; }
button.primary { background: #635bff; color: #fff; border-color: #635bff; }
button.danger { color: #b3093c; border-color: #b3093c; }
input[type=email] { font: inherit; padding: 6px; width: 100%; box-sizing: border-box; }
.error { background: #fde7e7; border: 1px solid #b3093c; padding: 12px; border-radius: 6px; }
"""


def page(title: str, banner: tuple[str, str], body: str, status: int = 200) -> HTMLResponse:
    """A whole page, saying plainly that it is a local stand-in, loading nothing from elsewhere."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<div class="banner" role="note">{escape(banner[0])}<small>{escape(banner[1])}</small></div>'
        f"<main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status)


def money(amount: int, currency: str) -> str:
    value = f"{amount / 100:,.2f}"
    return f"${value}" if currency == "usd" else f"{value} {currency.upper()}"


def price_label(price: dict[str, Any], quantity: int = 1) -> str:
    """E.g. "$20.00 / month"."""
    recurring = price["recurring"]
    amount = money(price["unit_amount"] * quantity, price["currency"])
    count = recurring["interval_count"]
    every = recurring["interval"] if count == 1 else f"{count} {recurring['interval']}s"
    return f"{amount} / {every}"


def price_name(state: StripeState, price: dict[str, Any]) -> str:
    product = state.products.get(price["product"])
    return price.get("nickname") or (product["name"] if product else price["id"])


async def read_form(request: Request) -> dict[str, str]:
    """A posted HTML form (urlencoded), read without extra dependencies."""
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
