"""What the hosted pages share: the page frame with its stand-in banner, the test-card choices,
and reading a posted form."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..display import card_label
from ..resources.payment_methods import TEST_CARDS

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
fieldset { border: 1px solid #d8dee4; border-radius: 6px; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: 4px 8px 4px 0; }
.error { background: #fde7e7; border: 1px solid #b3093c; padding: 12px; border-radius: 6px; }
"""


def page(
    title: str, banner: tuple[str, str], body: str, status: int = 200, lang: str | None = None
) -> HTMLResponse:
    """A whole page, saying plainly that it is a local stand-in, loading nothing from elsewhere.
    `lang` is the session's `locale` (the words stay English; Stripe's pages would translate)."""
    lang = lang if lang and lang != "auto" else "en"
    html = (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<div class="banner" role="note">{escape(banner[0])}<small>{escape(banner[1])}</small></div>'
        f"<main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status)


def card_buttons(action: str) -> str:
    """One form per test card, its button named for the card ("Visa •••• 4242")."""
    return "".join(
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="card" value="{escape(token)}">'
        f'<button type="submit">{escape(card_label(card.brand, card.last4))}</button></form>'
        for token, card in TEST_CARDS.items()
    )


def card_choices() -> str:
    """The test cards as one radio group, the first chosen (for a form with its own button)."""
    options = "".join(
        f'<label><input type="radio" name="card" value="{escape(token)}"'
        f'{" checked" if index == 0 else ""}> {escape(card_label(card.brand, card.last4))}'
        "</label><br>"
        for index, (token, card) in enumerate(TEST_CARDS.items())
    )
    return f"<fieldset><legend>Card (Stripe test cards)</legend>{options}</fieldset>"


async def read_form(request: Request) -> dict[str, str]:
    """A posted HTML form (urlencoded), read without extra dependencies."""
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
