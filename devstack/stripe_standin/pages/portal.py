"""The local stand-in for Stripe's hosted customer portal: the page behind a portal session's
`url`, and its buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..account import Account
from ..clock import day_label, now
from ..errors import StripeError
from ..resources import portal, subscriptions
from ..resources.subscriptions import ENDED_STATUSES
from .layout import page, price_label, price_name, read_form

# A page handler, given the request, the link's secret, its session and their configuration.
Visit = Callable[[Request, str, dict[str, Any], dict[str, Any]], Awaitable[Response]]
BANNER = (
    "Local stand-in for Stripe's hosted customer portal",
    "devstack serves this page instead of billing.stripe.com. Nothing here is charged or sent to Stripe.",
)


def _portal_error(message: str, status: int) -> HTMLResponse:
    body = f'<div class="card"><h1>Customer portal</h1><p class="error">{escape(message)}</p></div>'
    return page("Customer portal", BANNER, body, status)


def _subscription_card(
    account: Account, secret: str, subscription: dict[str, Any], configuration: dict[str, Any]
) -> str:
    """A live subscription with its buttons: cancel or reactivate, and switch plans."""
    item = subscription["items"]["data"][0]
    price = item["price"]
    features = configuration["features"]
    status = escape(subscription["status"])
    parts = [
        '<div class="card subscription">',
        f"<h2>{escape(price_name(account.state, price))}</h2>",
        f"<p>{escape(price_label(price, item['quantity']))}"
        + (f" &times; {item['quantity']}" if item["quantity"] != 1 else "")
        + "</p>",
    ]
    action = f"/p/session/{escape(secret)}/subscriptions/{escape(subscription['id'])}"
    if subscription["cancel_at"] is not None:
        parts.append(
            f'<p><span class="status canceling">{status}</span> '
            f"Cancels on {escape(day_label(subscription['cancel_at']))}</p>"
            f'<form method="post" action="{action}/reactivate">'
            '<button class="primary" type="submit">Reactivate</button></form>'
        )
    else:
        parts.append(
            f'<p><span class="status">{status}</span> '
            f"Renews on {escape(day_label(item['current_period_end']))}</p>"
        )
        if features["subscription_cancel"]["enabled"]:
            parts.append(_cancel_form(action, features["subscription_cancel"]))
    if features["subscription_update"]["enabled"]:
        for other in allowed_prices(account, configuration):
            if other["id"] == price["id"]:
                continue
            parts.append(
                f'<form method="post" action="{action}/switch">'
                f'<input type="hidden" name="price" value="{escape(other["id"])}">'
                f"<button type=\"submit\">Switch to {escape(price_name(account.state, other))}"
                f'</button> <span class="muted">{escape(price_label(other))}</span></form>'
            )
    parts.append("</div>")
    return "".join(parts)


def _cancel_form(action: str, cancel: dict[str, Any]) -> str:
    reason = cancel["cancellation_reason"]
    select = ""
    if reason["enabled"] and reason["options"]:
        options = "".join(
            f'<option value="{escape(o)}">{escape(o.replace("_", " "))}</option>'
            for o in reason["options"]
        )
        select = (
            '<label>Reason <select name="feedback"><option value="">(none)</option>'
            f"{options}</select></label> "
        )
    return (
        f'<form method="post" action="{action}/cancel">{select}'
        '<button class="danger" type="submit">Cancel subscription</button></form>'
    )


def allowed_prices(account: Account, configuration: dict[str, Any]) -> list[dict[str, Any]]:
    """The prices a customer may switch to in this portal configuration."""
    prices = account.state.prices
    products = configuration["features"]["subscription_update"].get("products", [])
    return [prices[p] for entry in products for p in entry["prices"] if p in prices]


def portal_routes(account: Account) -> list[Route]:
    def opened(handler: Visit) -> Callable[[Request], Awaitable[Response]]:
        """`handler` with the session behind a link that works, and its configuration (the
        saved default still serves while a test has removed it); an error page otherwise."""

        async def endpoint(request: Request) -> Response:
            secret = request.path_params["secret"]
            session, status = portal.link(account, secret, now())
            if session is None or status == "unknown":
                return _portal_error("This portal link is not valid.", 404)
            if status == "expired":
                return _portal_error(
                    "This link has expired. Portal links work for 5 minutes after they are "
                    "created; go back to the site and open the portal again.",
                    410,
                )
            configuration = (
                account.state.portal_configurations.get(session["configuration"])
                or account.state.removed_default_configuration
            )
            return await handler(request, secret, session, configuration)

        return endpoint

    async def show(
        request: Request, secret: str, session: dict[str, Any], configuration: dict[str, Any]
    ) -> Response:
        customer = account.state.customers[session["customer"]]
        headline = configuration["business_profile"].get("headline")
        who = customer["email"] or customer["name"] or customer["id"]
        body = ["<h1>Customer portal</h1>"]
        if headline:
            body.append(f'<p class="muted">{escape(headline)}</p>')
        body.append(f'<p>Signed in as <strong class="customer-email">{escape(who)}</strong></p>')
        if session.get("flow"):
            body.append(
                f'<p class="muted">Opened for the <code>{escape(session["flow"]["type"])}</code> '
                "flow; this stand-in shows the full portal for every flow.</p>"
            )
        live = [
            s
            for s in reversed(list(account.state.subscriptions.values()))
            if s["customer"] == customer["id"] and s["status"] not in ENDED_STATUSES
        ]
        body.append("<h2>Subscriptions</h2>")
        if not live:
            body.append('<div class="card"><p>No active subscriptions.</p></div>')
        body.extend(_subscription_card(account, secret, s, configuration) for s in live)
        if (
            configuration["features"]["payment_method_update"]["enabled"]
            or configuration["features"]["invoice_history"]["enabled"]
        ):
            body.append(
                '<p class="muted">Payment methods and invoices are not simulated by this '
                "stand-in.</p>"
            )
        back = session["return_url"] or configuration.get("default_return_url")
        if back:
            host = urlsplit(back).netloc or back
            link = f'<a class="return" href="{escape(back)}">Return to {escape(host)}</a>'
            body.append(f"<p>{link}</p>")
        return page("Customer portal", BANNER, "".join(body))

    async def act(
        request: Request, secret: str, session: dict[str, Any], configuration: dict[str, Any]
    ) -> Response:
        subscription = account.state.subscriptions.get(request.path_params["subscription"])
        if subscription is None or subscription["customer"] != session["customer"]:
            return _portal_error("That subscription isn't one of this customer's.", 404)
        features = configuration["features"]
        form = await read_form(request)
        action = request.path_params["action"]
        try:
            if action == "cancel":
                cancel = features["subscription_cancel"]
                if not cancel["enabled"]:
                    return _portal_error("Canceling is turned off in this portal's settings.", 403)
                feedback = str(form.get("feedback") or "")
                if cancel["mode"] == "immediately":
                    await subscriptions.cancel(account, subscription["id"], feedback=feedback)
                else:
                    params: dict[str, Any] = {"cancel_at_period_end": "true"}
                    if feedback:
                        params["cancellation_details"] = {"feedback": feedback}
                    await subscriptions.update(account, subscription["id"], params)
            elif action == "reactivate":
                await subscriptions.update(
                    account, subscription["id"], {"cancel_at_period_end": "false"}
                )
            elif action == "switch":
                update = features["subscription_update"]
                price_id = str(form.get("price") or "")
                if not update["enabled"] or price_id not in {
                    p["id"] for p in allowed_prices(account, configuration)
                }:
                    return _portal_error("That plan isn't offered in this portal.", 403)
                item_id = subscription["items"]["data"][0]["id"]
                await subscriptions.update(
                    account,
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
        Route("/p/session/{secret}", opened(show), methods=["GET"]),
        Route(
            "/p/session/{secret}/subscriptions/{subscription}/{action}",
            opened(act),
            methods=["POST"],
        ),
    ]


