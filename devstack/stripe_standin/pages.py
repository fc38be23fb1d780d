"""The hosted pages: local stand-ins for Stripe's customer portal and Checkout, in plain HTML.

Portal (`/p/session/<secret>`, the `url` of a portal session): the customer's subscriptions
with buttons to cancel at period end, reactivate, and switch to each other price the portal
configuration allows, plus a link back to `return_url`. Every button is a form POST that runs
the same `Billing` method as the API's subscription update or cancel, so it fires the
same webhooks, then redirects (303) back to the page. Links must be opened within 5 minutes of
creation, as Stripe's are; an opened link keeps working for an hour.

Checkout (`/c/pay/<cs_id>`, the `url` of a Checkout Session): the price and a Subscribe button.
Paying creates the customer if needed and the subscription, completes the session, fires
`customer.subscription.created` and `checkout.session.completed`, and redirects (303) to
`success_url` with `{CHECKOUT_SESSION_ID}` filled in. A completed or expired session can't be
paid again.

Every page says plainly that it is a local stand-in, and loads nothing from elsewhere.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from .billing import ENDED_STATUSES, Billing
from .checkout import Checkout
from .clock import day_label, now
from .errors import StripeError
from .portal import Portal

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

PORTAL_BANNER = (
    "Local stand-in for Stripe's hosted customer portal",
    "devstack serves this page instead of billing.stripe.com. Nothing here is charged or sent to Stripe.",
)
CHECKOUT_BANNER = (
    "Local stand-in for Stripe's hosted checkout",
    "devstack serves this page instead of checkout.stripe.com. No card is needed and nothing is charged.",
)


def _page(title: str, banner: tuple[str, str], body: str, status: int = 200) -> HTMLResponse:
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
    recurring = price.get("recurring") or {}
    amount = money(price["unit_amount"] * quantity, price["currency"])
    if not recurring:
        return amount
    count = recurring["interval_count"]
    every = recurring["interval"] if count == 1 else f"{count} {recurring['interval']}s"
    return f"{amount} / {every}"


def price_name(billing: Billing, price: dict[str, Any]) -> str:
    product = billing.state.products.get(price["product"])
    return price.get("nickname") or (product["name"] if product else price["id"])


async def _form(request: Request) -> dict[str, str]:
    """A posted HTML form (urlencoded), read without extra dependencies."""
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


# --- portal -----------------------------------------------------------------------------------


def _portal_error(message: str, status: int) -> HTMLResponse:
    body = f'<div class="card"><h1>Customer portal</h1><p class="error">{escape(message)}</p></div>'
    return _page("Customer portal", PORTAL_BANNER, body, status)


def _subscription_card(
    billing: Billing, secret: str, subscription: dict[str, Any], configuration: dict[str, Any]
) -> str:
    item = subscription["items"]["data"][0]
    price = item["price"]
    features = configuration["features"]
    canceling = subscription["cancel_at_period_end"] or subscription["cancel_at"] is not None
    ended = subscription["status"] in ENDED_STATUSES
    parts = [
        '<div class="card subscription">',
        f"<h2>{escape(price_name(billing, price))}</h2>",
        f"<p>{escape(price_label(price, item['quantity']))}"
        + (f" &times; {item['quantity']}" if item["quantity"] != 1 else "")
        + "</p>",
    ]
    if ended:
        parts.append(
            f'<p><span class="status canceling">Canceled</span> '
            f"Ended on {escape(day_label(subscription['ended_at'] or now()))}</p>"
        )
    elif canceling:
        parts.append(
            f'<p><span class="status canceling">{escape(subscription["status"])}</span> '
            f"Cancels on {escape(day_label(subscription['cancel_at']))}</p>"
        )
    else:
        parts.append(
            f'<p><span class="status">{escape(subscription["status"])}</span> '
            f"Renews on {escape(day_label(item['current_period_end']))}</p>"
        )
    action = f"/p/session/{escape(secret)}/subscriptions/{escape(subscription['id'])}"
    if not ended:
        if canceling:
            parts.append(
                f'<form method="post" action="{action}/reactivate">'
                '<button class="primary" type="submit">Reactivate</button></form>'
            )
        elif features["subscription_cancel"]["enabled"]:
            reason = features["subscription_cancel"]["cancellation_reason"]
            select = ""
            if reason["enabled"] and reason["options"]:
                options = "".join(
                    f'<option value="{escape(o)}">{escape(o.replace("_", " "))}</option>'
                    for o in reason["options"]
                )
                select = f'<label>Reason <select name="feedback"><option value="">(none)</option>{options}</select></label> '
            parts.append(
                f'<form method="post" action="{action}/cancel">{select}'
                '<button class="danger" type="submit">Cancel subscription</button></form>'
            )
        if features["subscription_update"]["enabled"]:
            for other in allowed_prices(billing, configuration):
                if other["id"] == price["id"] or other["currency"] != price["currency"]:
                    continue
                parts.append(
                    f'<form method="post" action="{action}/switch">'
                    f'<input type="hidden" name="price" value="{escape(other["id"])}">'
                    f'<button type="submit">Switch to {escape(price_name(billing, other))}</button> '
                    f'<span class="muted">{escape(price_label(other))}</span></form>'
                )
    parts.append("</div>")
    return "".join(parts)


def allowed_prices(billing: Billing, configuration: dict[str, Any]) -> list[dict[str, Any]]:
    """The active recurring prices a customer may switch to in this portal configuration."""
    found = []
    for entry in configuration["features"]["subscription_update"].get("products", []):
        for price_id in entry["prices"]:
            price = billing.state.prices.get(price_id)
            if price and price["active"] and price["type"] == "recurring":
                found.append(price)
    return found


def portal_routes(billing: Billing, portal: Portal) -> list[Route]:
    def open_session(secret: str) -> tuple[dict[str, Any] | None, HTMLResponse | None]:
        session, status = portal.link(secret, now())
        if status == "unknown":
            return None, _portal_error("This portal link is not valid.", 404)
        if status == "expired":
            return None, _portal_error(
                "This link has expired. Portal links work for 5 minutes after they are created; "
                "go back to the site and open the portal again.",
                410,
            )
        return session, None

    async def show(request: Request) -> Response:
        secret = request.path_params["secret"]
        session, failure = open_session(secret)
        if failure is not None:
            return failure
        assert session is not None
        customer = billing.state.customers.get(session["customer"])
        configuration = (
            billing.state.portal_configurations.get(session["configuration"])
            or billing.state.removed_default_configuration
        )
        if customer is None or configuration is None:
            return _portal_error(
                "This portal session's customer or configuration no longer exists.", 410
            )
        headline = configuration["business_profile"].get("headline")
        who = customer["email"] or customer["name"] or customer["id"]
        body = ["<h1>Customer portal</h1>"]
        if headline:
            body.append(f'<p class="muted">{escape(headline)}</p>')
        body.append(f'<p>Signed in as <strong class="customer-email">{escape(who)}</strong></p>')
        if session.get("flow"):
            body.append(
                f'<p class="muted">Opened for the <code>{escape(session["flow"]["type"])}</code> flow; '
                "this stand-in shows the full portal for every flow.</p>"
            )
        subscriptions = [
            s
            for s in reversed(list(billing.state.subscriptions.values()))
            if s["customer"] == customer["id"] and s["status"] not in ENDED_STATUSES
        ]
        body.append("<h2>Subscriptions</h2>")
        if not subscriptions:
            body.append('<div class="card"><p>No active subscriptions.</p></div>')
        body.extend(_subscription_card(billing, secret, s, configuration) for s in subscriptions)
        if (
            configuration["features"]["payment_method_update"]["enabled"]
            or configuration["features"]["invoice_history"]["enabled"]
        ):
            body.append(
                '<p class="muted">Payment methods and invoices are not simulated by this stand-in.</p>'
            )
        back = session["return_url"] or configuration.get("default_return_url")
        if back:
            body.append(
                f'<p><a class="return" href="{escape(back)}">Return to {escape(_host(back))}</a></p>'
            )
        return _page("Customer portal", PORTAL_BANNER, "".join(body))

    async def act(request: Request) -> Response:
        secret = request.path_params["secret"]
        session, failure = open_session(secret)
        if failure is not None:
            return failure
        assert session is not None
        subscription = billing.state.subscriptions.get(request.path_params["subscription"])
        if subscription is None or subscription["customer"] != session["customer"]:
            return _portal_error("That subscription isn't one of this customer's.", 404)
        configuration = (
            billing.state.portal_configurations.get(session["configuration"])
            or billing.state.removed_default_configuration
        )
        if configuration is None:
            return _portal_error("This portal session's configuration no longer exists.", 410)
        features = configuration["features"]
        form = await _form(request)
        action = request.path_params["action"]
        try:
            if action == "cancel":
                cancel = features["subscription_cancel"]
                if not cancel["enabled"]:
                    return _portal_error("Canceling is turned off in this portal's settings.", 403)
                feedback = str(form.get("feedback") or "")
                params: dict[str, Any] = {}
                if feedback:
                    params["cancellation_details"] = {"feedback": feedback}
                if cancel["mode"] == "immediately":
                    await billing.cancel_subscription(subscription["id"], params)
                else:
                    params["cancel_at_period_end"] = "true"
                    await billing.update_subscription(subscription["id"], params)
            elif action == "reactivate":
                await billing.update_subscription(
                    subscription["id"], {"cancel_at_period_end": "false"}
                )
            elif action == "switch":
                update = features["subscription_update"]
                price_id = str(form.get("price") or "")
                if not update["enabled"] or price_id not in {
                    p["id"] for p in allowed_prices(billing, configuration)
                }:
                    return _portal_error("That plan isn't offered in this portal.", 403)
                item_id = subscription["items"]["data"][0]["id"]
                await billing.update_subscription(
                    subscription["id"],
                    {
                        "items": [{"id": item_id, "price": price_id}],
                        "proration_behavior": update["proration_behavior"],
                    },
                )
            else:
                return _portal_error("Unknown action.", 404)
        except StripeError as err:
            return _portal_error(err.message, 400)
        return RedirectResponse(f"/p/session/{secret}", status_code=303)

    return [
        Route("/p/session/{secret}", show, methods=["GET"]),
        Route("/p/session/{secret}/subscriptions/{subscription}/{action}", act, methods=["POST"]),
    ]


# --- checkout ---------------------------------------------------------------------------------


def _checkout_message(
    title: str, message: str, status: int, link: str | None = None, link_text: str = ""
) -> HTMLResponse:
    extra = f'<p><a href="{escape(link)}">{escape(link_text)}</a></p>' if link else ""
    body = f'<div class="card"><h1>{escape(title)}</h1><p>{escape(message)}</p>{extra}</div>'
    return _page(title, CHECKOUT_BANNER, body, status)


def checkout_routes(billing: Billing, checkout: Checkout) -> list[Route]:
    def closed(session: dict[str, Any]) -> HTMLResponse | None:
        if session["status"] == "expired" or (
            session["status"] == "open" and session["expires_at"] <= now()
        ):
            return _checkout_message(
                "Checkout expired",
                "This checkout session has expired and can't be paid.",
                410,
                session["cancel_url"],
                "Back",
            )
        if session["status"] == "complete":
            return _checkout_message(
                "Already paid",
                "This checkout session is complete and can't be paid again.",
                409,
                session["success_url"],
                "Continue",
            )
        return None

    async def show(request: Request) -> Response:
        session = billing.state.checkout_sessions.get(request.path_params["session"])
        if session is None:
            return _checkout_message("Checkout", "This checkout link is not valid.", 404)
        refusal = closed(session)
        if refusal is not None:
            return refusal
        details = billing.state.checkout_details[session["id"]]
        line = details["line_items"][0]
        price = billing.state.prices[line["price"]]
        customer = billing.state.customers.get(session["customer"] or "")
        email = session["customer_email"] or (customer or {}).get("email")
        body = [
            '<div class="card"><h1>Subscribe</h1>',
            f"<h2>{escape(price_name(billing, price))}</h2>",
            f'<p class="amount">{escape(price_label(price, line["quantity"]))}</p>',
            f'<p class="muted">Total due today: {escape(money(session["amount_total"], session["currency"]))}</p>',
            f'<form method="post" action="/c/pay/{escape(session["id"])}">',
        ]
        if email:
            body.append(f"<p>Paying as <strong>{escape(email)}</strong></p>")
        else:
            body.append('<p><label>Email<br><input type="email" name="email" required></label></p>')
        body.append('<button class="primary" type="submit">Subscribe</button></form>')
        if session["cancel_url"]:
            body.append(f'<p><a class="back" href="{escape(session["cancel_url"])}">Back</a></p>')
        body.append("</div>")
        return _page("Checkout", CHECKOUT_BANNER, "".join(body))

    async def pay(request: Request) -> Response:
        session = billing.state.checkout_sessions.get(request.path_params["session"])
        if session is None:
            return _checkout_message("Checkout", "This checkout link is not valid.", 404)
        refusal = closed(session)
        if refusal is not None:
            return refusal
        form = await _form(request)
        try:
            session = await checkout.complete(session["id"], str(form.get("email") or "") or None)
        except StripeError as err:
            return _checkout_message(
                "Checkout", err.message, 409 if "can't be paid again" in err.message else 400
            )
        target = session["success_url"]
        if not target:
            return _checkout_message("Thanks for subscribing", "Your subscription is active.", 200)
        return RedirectResponse(
            target.replace("{CHECKOUT_SESSION_ID}", session["id"]), status_code=303
        )

    return [
        Route("/c/pay/{session}", show, methods=["GET"]),
        Route("/c/pay/{session}", pay, methods=["POST"]),
    ]
