"""The local stand-in for Stripe's hosted customer portal: the page behind a portal session's
`url` (its home page, or the session's flow until completed), and its buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..account import Account
from ..display import card_label, day_label, money, price_label, price_name
from ..errors import StripeError
from ..resources import portal, portal_flows, subscriptions
from ..resources.subscriptions import ENDED_STATUSES
from .layout import read_form
from .portal_flows import (
    Visit,
    cancel_form,
    confirm_page,
    finish,
    flow_page,
    payment_method_page,
    portal_error,
)

Handler = Callable[[Request, Visit], Awaitable[Response]]


def _subscription_card(visit: Visit, subscription: dict[str, Any]) -> str:
    """A live subscription with its buttons: cancel or reactivate, and switch plans."""
    account, configuration = visit.account, visit.configuration
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
    action = f"{visit.path}/subscriptions/{escape(subscription['id'])}"
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
            parts.append(cancel_form(action, features["subscription_cancel"]))
    if features["subscription_update"]["enabled"]:
        for other in portal_flows.allowed_prices(account, configuration):
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


def _billing(visit: Visit, customer: dict[str, Any]) -> str:
    """The default card with its "Update" link, and the invoice history, as enabled."""
    state, features = visit.account.state, visit.configuration["features"]
    parts = []
    if features["payment_method_update"]["enabled"]:
        method = state.payment_methods.get(customer["invoice_settings"]["default_payment_method"])
        shown = card_label(method["card"]["brand"], method["card"]["last4"]) if method else "None"
        parts.append(
            f'<h2>Payment method</h2><div class="card"><p>{escape(shown)}</p>'
            f'<p><a href="{visit.path}/payment_method">Update payment method</a>'
            "</p></div>"
        )
    if features["invoice_history"]["enabled"]:
        rows = [
            f"<tr><td>{escape(day_label(i['created']))}</td>"
            f"<td>{escape(money(i['total'], i['currency']))}</td>"
            f"<td>{escape(i['status'].title())}</td>"
            f'<td><a href="{escape(i["hosted_invoice_url"])}">View</a></td></tr>'
            for i in reversed(list(state.invoices.values()))
            if i["customer"] == customer["id"] and i["status"] != "draft"
        ]
        table = f"<table>{''.join(rows)}</table>" if rows else "<p>No invoices yet.</p>"
        parts.append(f'<h2>Invoice history</h2><div class="card">{table}</div>')
    return "".join(parts)


def portal_routes(account: Account) -> list[Route]:
    def opened(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """`handler` with the session behind a link that works, and its configuration (the
        saved default still serves while a test has removed it); an error page otherwise."""

        async def endpoint(request: Request) -> Response:
            secret = request.path_params["secret"]
            session, status = portal.link(account, secret, account.now())
            if session is None or status == "unknown":
                return portal_error("This portal link is not valid.", 404)
            if status == "expired":
                return portal_error(
                    "This link has expired. Portal links work for 5 minutes after they are "
                    "created; go back to the site and open the portal again.",
                    410,
                    session,
                )
            configuration = (
                account.state.portal_configurations.get(session["configuration"])
                or account.state.removed_default_configuration
            )
            return await handler(request, Visit(account, secret, session, configuration))

        return endpoint

    def done(visit: Visit) -> Response:
        """After a change: the flow's `after_completion`, or back to the home page."""
        if visit.in_flow:
            return finish(visit)
        return RedirectResponse(f"/p/session/{visit.secret}", status_code=303)

    async def show(request: Request, visit: Visit) -> Response:
        if visit.in_flow:
            return flow_page(visit)
        customer = account.state.customers[visit.session["customer"]]
        headline = visit.configuration["business_profile"].get("headline")
        who = customer["email"] or customer["name"] or customer["id"]
        body = ["<h1>Customer portal</h1>"]
        if headline:
            body.append(f'<p class="muted">{escape(headline)}</p>')
        body.append(f'<p>Signed in as <strong class="customer-email">{escape(who)}</strong></p>')
        live = [
            s
            for s in reversed(list(account.state.subscriptions.values()))
            if s["customer"] == customer["id"] and s["status"] not in ENDED_STATUSES
        ]
        body.append("<h2>Subscriptions</h2>")
        if not live:
            body.append('<div class="card"><p>No active subscriptions.</p></div>')
        body.extend(_subscription_card(visit, s) for s in live)
        body.append(_billing(visit, customer))
        return visit.page("Customer portal", "".join(body))

    async def payment_method(request: Request, visit: Visit) -> Response:
        if not visit.configuration["features"]["payment_method_update"]["enabled"]:
            return portal_error("Updating payment methods is turned off.", 403, visit.session)
        if request.method == "GET":
            return payment_method_page(visit)
        card = str((await read_form(request)).get("card") or "")
        try:
            paid = await portal_flows.save_payment_method(
                account, visit.session["customer"], card
            )
        except StripeError as err:
            return portal_error(err.message, 400, visit.session)
        if not paid:
            return payment_method_page(
                visit, "Your card was declined. Your card is saved; try another one to pay."
            )
        return done(visit)

    async def act(request: Request, visit: Visit) -> Response:
        session, features = visit.session, visit.configuration["features"]
        subscription = account.state.subscriptions.get(request.path_params["subscription"])
        if subscription is None or subscription["customer"] != session["customer"]:
            return portal_error("That subscription isn't one of this customer's.", 404, session)
        action = request.path_params["action"]
        if request.method == "GET":
            if action != "confirm":
                return portal_error("Unknown action.", 404, session)
            return confirm_page(visit, subscription, request.query_params.get("price", ""))
        form = await read_form(request)
        try:
            if action == "cancel":
                cancel = features["subscription_cancel"]
                if not cancel["enabled"]:
                    return portal_error(
                        "Canceling is turned off in this portal's settings.", 403, session
                    )
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
                    p["id"] for p in portal_flows.allowed_prices(account, visit.configuration)
                }:
                    return portal_error("That plan isn't offered in this portal.", 403, session)
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
                return portal_error("Unknown action.", 404, session)
        except StripeError as err:
            return portal_error(err.message, 400, session)
        return done(visit)

    return [
        Route("/p/session/{secret}", opened(show), methods=["GET"]),
        Route(
            "/p/session/{secret}/payment_method", opened(payment_method), methods=["GET", "POST"]
        ),
        Route(
            "/p/session/{secret}/subscriptions/{subscription}/{action}",
            opened(act),
            methods=["GET", "POST"],
        ),
    ]
