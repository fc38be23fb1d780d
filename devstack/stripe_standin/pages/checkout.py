"""The local stand-in for Stripe's hosted Checkout: the page behind a Checkout Session's `url`,
naming the product bought, with Stripe's test cards and its Subscribe button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..account import Account
from ..display import money, price_label, price_name, product_name
from ..errors import StripeError
from ..resources import checkout
from .layout import card_choices, page, read_form

BANNER = (
    "Local stand-in for Stripe's hosted checkout",
    "devstack serves this page instead of checkout.stripe.com. No card is needed and nothing is charged.",
)


def _message(
    title: str,
    message: str,
    status: int,
    link: str | None = None,
    link_text: str = "",
    lang: str | None = None,
) -> HTMLResponse:
    extra = f'<p><a href="{escape(link)}">{escape(link_text)}</a></p>' if link else ""
    body = f'<div class="card"><h1>{escape(title)}</h1><p>{escape(message)}</p>{extra}</div>'
    return page(title, BANNER, body, status, lang)


def _refusal(session: dict[str, Any] | None, at: int) -> HTMLResponse | None:
    """Why this session can't be paid (unknown, expired or already paid), or None."""
    if session is None:
        return _message("Checkout", "This checkout link is not valid.", 404)
    if session["status"] == "expired" or (
        session["status"] == "open" and session["expires_at"] <= at
    ):
        return _message(
            "Checkout expired",
            "This checkout session has expired and can't be paid.",
            410,
            session["cancel_url"],
            "Back",
        )
    if session["status"] == "complete":
        return _message(
            "Already paid",
            "This checkout session is complete and can't be paid again.",
            409,
            session["success_url"],
            "Continue",
        )
    return None


def checkout_routes(account: Account) -> list[Route]:
    def payable(
        handler: Callable[[Request, dict[str, Any]], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        """`handler` for a session that can still be paid; a refusal page for any other."""

        async def endpoint(request: Request) -> Response:
            session = account.state.checkout_sessions.get(request.path_params["session"])
            refusal = _refusal(session, account.now())
            if refusal is not None:
                return refusal
            return await handler(request, session)

        return endpoint

    async def show(
        request: Request, session: dict[str, Any], error: str | None = None
    ) -> Response:
        line = account.state.checkout_details[session["id"]]["line_items"][0]
        price = account.state.prices[line["price"]]
        customer = account.state.customers.get(session["customer"] or "")
        email = session["customer_email"] or (customer or {}).get("email")
        total = money(session["amount_total"], session["currency"])
        body = [
            '<div class="card"><h1>Subscribe</h1>',
            f"<h2>{escape(product_name(account.state, price))}</h2>",
            f"<p>{escape(price_name(account.state, price))}</p>",
            f'<p class="amount">{escape(price_label(price, line["quantity"]))}</p>',
            f'<p class="muted">Total due today: {escape(total)}</p>',
        ]
        if error:
            body.append(f'<p class="error" role="alert">{escape(error)}</p>')
        body.append(f'<form method="post" action="/c/pay/{escape(session["id"])}">')
        if email:
            body.append(f"<p>Paying as <strong>{escape(email)}</strong></p>")
        else:
            body.append('<p><label>Email<br><input type="email" name="email" required></label></p>')
        body.append(card_choices())
        body.append('<button class="primary" type="submit">Subscribe</button></form>')
        if session["cancel_url"]:
            body.append(f'<p><a class="back" href="{escape(session["cancel_url"])}">Back</a></p>')
        body.append("</div>")
        return page("Checkout", BANNER, "".join(body), 402 if error else 200, session["locale"])

    async def pay(request: Request, session: dict[str, Any]) -> Response:
        """Pay with the chosen test card (Visa 4242 when none is), then go to `success_url`
        with `{CHECKOUT_SESSION_ID}` filled in. A declined card stays on the page."""
        form = await read_form(request)
        email = str(form.get("email") or "") or None
        card = str(form.get("card") or "pm_card_visa")
        try:
            session = await checkout.complete(account, session["id"], email, card)
        except StripeError as err:
            if err.code == "card_declined":
                return await show(request, session, err.message)
            status = 409 if "can't be paid again" in err.message else 400
            return _message("Checkout", err.message, status, lang=session["locale"])
        target = session["success_url"]
        if not target:
            return _message("Thanks for subscribing", "Your subscription is active.", 200)
        return RedirectResponse(
            target.replace("{CHECKOUT_SESSION_ID}", session["id"]), status_code=303
        )

    return [
        Route("/c/pay/{session}", payable(show), methods=["GET"]),
        Route("/c/pay/{session}", payable(pay), methods=["POST"]),
    ]
