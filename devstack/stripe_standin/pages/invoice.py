"""The local stand-in for Stripe's hosted invoice page: the page behind an invoice's
`hosted_invoice_url`, and its Pay button."""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..account import Account
from ..display import day_label, money
from ..errors import StripeError
from ..resources import collection
from .layout import card_choices, page, read_form

BANNER = (
    "Local stand-in for Stripe's hosted invoice page",
    "devstack serves this page instead of invoice.stripe.com. No card is charged.",
)


def _invoice_page(invoice: dict[str, Any], error: str | None = None) -> HTMLResponse:
    currency = invoice["currency"]
    paid_at = invoice["status_transitions"]["paid_at"]
    rows = "".join(
        f"<tr><td>{escape(line['description'])}</td>"
        f"<td>{escape(money(line['amount'], currency))}</td></tr>"
        for line in invoice["lines"]["data"]
    )
    body = [
        f'<div class="card"><h1>Invoice {escape(invoice["number"] or "")}</h1>',
        f'<p>Status: <span class="status">{escape(invoice["status"].title())}</span></p>',
        f"<p>Issued {escape(day_label(invoice['created']))}"
        + (f", paid {escape(day_label(paid_at))}" if paid_at else "")
        + "</p>",
        (
            f"<table>{rows}<tr><th>Total</th>"
            f"<th>{escape(money(invoice['total'], currency))}</th></tr></table>"
        ),
        f"<p>Amount due: {escape(money(invoice['amount_remaining'], currency))}</p>",
    ]
    if error:
        body.append(f'<p class="error" role="alert">{escape(error)}</p>')
    if invoice["status"] in ("open", "uncollectible"):
        body.append(
            f'<form method="post">{card_choices()}<button class="primary" type="submit">'
            f"Pay {escape(money(invoice['amount_remaining'], currency))}</button></form>"
        )
    body.append("</div>")
    return page(f"Invoice {invoice['number'] or ''}", BANNER, "".join(body), 402 if error else 200)


def invoice_routes(account: Account) -> list[Route]:
    def find(request: Request) -> dict[str, Any] | None:
        invoice_id = account.state.invoice_links.get(request.path_params["secret"])
        return account.state.invoices.get(invoice_id or "")

    async def show(request: Request) -> Response:
        invoice = find(request)
        if invoice is None:
            body = '<div class="card"><h1>Invoice</h1><p>This invoice link is not valid.</p></div>'
            return page("Invoice", BANNER, body, 404)
        return _invoice_page(invoice)

    async def pay(request: Request) -> Response:
        invoice = find(request)
        if invoice is None:
            return await show(request)
        card = str((await read_form(request)).get("card") or "pm_card_visa")
        try:
            paid = await collection.pay_with_card(account, invoice["id"], card)
        except StripeError as err:
            return _invoice_page(invoice, err.message)
        if not paid:
            return _invoice_page(invoice, "Your card was declined.")
        return RedirectResponse(str(request.url.path), status_code=303)

    return [
        Route("/i/{secret}", show, methods=["GET"]),
        Route("/i/{secret}", pay, methods=["POST"]),
    ]
