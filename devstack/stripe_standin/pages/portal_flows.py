"""The portal page's deep-link flows: updating the payment method, choosing and confirming a new
plan, canceling, and what follows (`after_completion`); and the frame every portal page shares."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..account import Account
from ..display import card_label, day_label, money, price_label, price_name
from ..errors import StripeError
from ..resources import invoice_preview
from ..resources.portal_flows import allowed_prices
from ..resources.subscriptions import ENDED_STATUSES
from .layout import card_buttons, page

BANNER = (
    "Local stand-in for Stripe's hosted customer portal",
    "devstack serves this page instead of billing.stripe.com. Nothing here is charged or sent to Stripe.",
)
DONE = {
    "payment_method_update": "Your payment method has been updated.",
    "subscription_update": "Your plan has been updated.",
    "subscription_update_confirm": "Your plan has been updated.",
    "subscription_cancel": "Your subscription has been canceled.",
}


@dataclass(frozen=True)
class Visit:
    """One opened portal link: the link's secret, its session and their configuration."""

    account: Account
    secret: str
    session: dict[str, Any]
    configuration: dict[str, Any]

    @property
    def path(self) -> str:
        return f"/p/session/{escape(self.secret)}"

    def page(self, title: str, body: str, status: int = 200) -> HTMLResponse:
        return portal_page(self.session, title, f"{body}{self.return_link()}", status)

    def return_link(self) -> str:
        back = self.session["return_url"] or self.configuration.get("default_return_url")
        if not back:
            return ""
        host = urlsplit(back).netloc or back
        return f'<p><a class="return" href="{escape(back)}">Return to {escape(host)}</a></p>'

    @property
    def in_flow(self) -> bool:
        """A session opened for a flow shows the flow until it is completed."""
        done = self.account.state.portal_links.get(self.secret, {}).get("flow_done")
        return bool(self.session.get("flow")) and not done


def portal_page(
    session: dict[str, Any] | None, title: str, body: str, status: int = 200
) -> HTMLResponse:
    return page(title, BANNER, body, status, lang=(session or {}).get("locale"))


def portal_error(message: str, status: int, session: dict[str, Any] | None = None) -> HTMLResponse:
    body = f'<div class="card"><h1>Customer portal</h1><p class="error">{escape(message)}</p></div>'
    return portal_page(session, "Customer portal", body, status)


def cancel_form(action: str, cancel: dict[str, Any]) -> str:
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


def payment_method_page(visit: Visit, error: str | None = None) -> HTMLResponse:
    """Heading "Update payment method", the current default card, and one button per test
    card; choosing one saves it and pays what is due."""
    state = visit.account.state
    customer = state.customers[visit.session["customer"]]
    current = state.payment_methods.get(customer["invoice_settings"]["default_payment_method"])
    due = sum(
        i["amount_remaining"]
        for i in state.invoices.values()
        if i["customer"] == customer["id"] and i["status"] == "open"
    )
    body = ['<div class="card"><h1>Update payment method</h1>']
    if error:
        body.append(f'<p class="error" role="alert">{escape(error)}</p>')
    if current:
        card = current["card"]
        label = card_label(card["brand"], card["last4"])
        body.append(
            f"<p>Current: {escape(label)}, expires {card['exp_month']:02d}/{card['exp_year']}</p>"
        )
    if due:
        body.append(f"<p>Due now: {escape(money(due, customer['currency'] or 'usd'))}</p>")
    body.append("<p>Choose a card:</p>")
    body.append(card_buttons(f"{visit.path}/payment_method") + "</div>")
    return visit.page("Update payment method", "".join(body))


def plan_page(visit: Visit, subscription: dict[str, Any]) -> HTMLResponse:
    """The plans this configuration offers; each leads to its confirmation."""
    state = visit.account.state
    item = subscription["items"]["data"][0]
    action = f"{visit.path}/subscriptions/{escape(subscription['id'])}/confirm"
    current = f"{price_name(state, item['price'])}, {price_label(item['price'])}"
    body = ['<div class="card"><h1>Update plan</h1>', f"<p>Current plan: {escape(current)}</p>"]
    for price in allowed_prices(visit.account, visit.configuration):
        if price["id"] != item["price"]["id"]:
            body.append(
                f'<form method="get" action="{action}">'
                f'<input type="hidden" name="price" value="{escape(price["id"])}">'
                f'<button type="submit">Switch to {escape(price_name(state, price))}'
                f'</button> <span class="muted">{escape(price_label(price))}</span></form>'
            )
    return visit.page("Update plan", "".join(body) + "</div>")


def confirm_page(visit: Visit, subscription: dict[str, Any], price_id: str) -> HTMLResponse:
    """The new plan and what it costs (from the invoice preview), and "Confirm"."""
    account = visit.account
    price = account.state.prices.get(price_id)
    offered = {p["id"] for p in allowed_prices(account, visit.configuration)}
    if price is None or price_id not in offered:
        return portal_error("That plan isn't offered in this portal.", 403, visit.session)
    item = subscription["items"]["data"][0]
    update = visit.configuration["features"]["subscription_update"]
    details = {
        "items": [{"id": item["id"], "price": price_id}],
        "proration_behavior": update["proration_behavior"],
    }
    try:
        preview = invoice_preview.preview_change(account, subscription, details, account.now())
        amount = money(preview["amount_due"], preview["currency"])
        if preview["billing_reason"] == "subscription_update":
            cost = f"Amount due today: {amount}"
        else:
            cost = f"Next invoice: {amount} on {day_label(preview['created'])}"
    except StripeError:
        cost = "No further payments"
    action = f"{visit.path}/subscriptions/{escape(subscription['id'])}/switch"
    body = (
        '<div class="card"><h1>Confirm your new plan</h1>'
        f"<h2>{escape(price_name(account.state, price))}</h2>"
        f"<p>{escape(price_label(price))}</p><p>{escape(cost)}</p>"
        f'<form method="post" action="{action}">'
        f'<input type="hidden" name="price" value="{escape(price_id)}">'
        '<button class="primary" type="submit">Confirm</button></form></div>'
    )
    return visit.page("Confirm your new plan", body)


def cancel_page(visit: Visit, subscription: dict[str, Any]) -> HTMLResponse:
    cancel = visit.configuration["features"]["subscription_cancel"]
    item = subscription["items"]["data"][0]
    when = (
        "at once"
        if cancel["mode"] == "immediately"
        else f"on {day_label(item['current_period_end'])}"
    )
    action = f"{visit.path}/subscriptions/{escape(subscription['id'])}"
    plan = price_name(visit.account.state, item["price"])
    body = (
        '<div class="card"><h1>Cancel your subscription</h1>'
        f"<p>{escape(plan)}: if you cancel, your plan ends {escape(when)}.</p>"
        f"{cancel_form(action, cancel)}</div>"
    )
    return visit.page("Cancel your subscription", body)


def flow_page(visit: Visit) -> HTMLResponse:
    """The page of the session's flow."""
    flow = visit.session["flow"]
    kind = flow["type"]
    if kind == "payment_method_update":
        return payment_method_page(visit)
    subscription = visit.account.state.subscriptions[flow[kind]["subscription"]]
    if subscription["status"] in ENDED_STATUSES:
        return portal_error("This subscription has ended and can't be changed.", 409, visit.session)
    if kind == "subscription_update":
        return plan_page(visit, subscription)
    if kind == "subscription_cancel":
        return cancel_page(visit, subscription)
    price = flow[kind]["items"][0]["price"] or subscription["items"]["data"][0]["price"]["id"]
    return confirm_page(visit, subscription, price)


def finish(visit: Visit) -> Response:
    """The flow is done: follow its `after_completion` (redirect, a hosted confirmation, or
    the portal's home page)."""
    link = visit.account.state.portal_links.get(visit.secret)
    if link is not None:
        link["flow_done"] = True
    flow = visit.session["flow"]
    after = flow["after_completion"]
    if after["type"] == "redirect":
        return RedirectResponse(after["redirect"]["return_url"], status_code=303)
    if after["type"] == "portal_homepage":
        return RedirectResponse(f"/p/session/{visit.secret}", status_code=303)
    message = (after["hosted_confirmation"] or {}).get("custom_message") or DONE[flow["type"]]
    body = f'<div class="card"><h1>Done</h1><p role="status">{escape(message)}</p></div>'
    return visit.page("Done", body)
