"""The billing settings page: the user's plan, read fresh on every load, and Manage Subscription.

`open_portal` calls the same `create_portal_session` as `POST /api/customer_portal`; this
handler only turns its answer into a redirect, a toast, or a trip to sign-in.
"""

from __future__ import annotations

import logging
from datetime import datetime

import reflex as rx

from billing_app import routes
from billing_app.account import load_account
from billing_app.outcomes import NOT_AUTHENTICATED, PORTAL_FAILED, Failure, Redirect, UpstreamError
from billing_app.portal import create_portal_session
from billing_app.state.session import SessionState, login_redirect
from billing_app.subscriptions import Subscription

logger = logging.getLogger(__name__)

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
    if sub.status in ("canceled", "incomplete_expired"):
        return f"Canceled on {format_day(sub.canceled_at)}" if sub.canceled_at else "Canceled"
    if sub.cancel_at_period_end or sub.cancel_at:
        return f"Cancels on {format_day(sub.cancel_at or sub.current_period_end)}"
    if sub.current_period_end:
        return f"Renews on {format_day(sub.current_period_end)}"
    return ""


class BillingState(SessionState):
    loaded: bool = False
    load_error: str = ""
    has_subscription: bool = False
    plan_label: str = ""
    price_text: str = ""
    status: str = ""
    renewal_text: str = ""
    portal_loading: bool = False

    @rx.var
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.replace("_", " ").capitalize())

    @rx.var
    def status_color(self) -> str:
        return STATUS_COLORS.get(self.status, "gray")

    def _show(self, sub: Subscription | None) -> None:
        self.has_subscription = sub is not None and bool(sub.stripe_customer_id)
        self.plan_label = (sub.plan_label or "Subscription") if sub else ""
        self.price_text = format_price(sub.unit_amount, sub.currency, sub.billing_interval) if sub else ""
        self.status = (sub.status or "") if sub else ""
        self.renewal_text = renewal_line(sub) if sub else ""

    async def load(self):
        """on_load: check the session and read the row, both at once, on every visit."""
        self.portal_loading, self.load_error = False, ""
        if (elsewhere := self._renew_or_sign_in()) is not None:
            return elsewhere
        access, _ = self._tokens()
        try:
            account = await load_account(access)
        except UpstreamError as exc:
            logger.warning("billing page: Supabase failed: %s", exc)
            self.loaded, self.load_error = True, "We couldn't load your subscription. Please reload the page."
            return None
        if isinstance(account, Failure):
            return login_redirect(self._current_path())
        self.user_email = account.user.email
        self._show(account.subscription)
        self.loaded = True
        return None

    async def open_portal(self):
        """Manage Subscription. A second click while the first runs (or redirects) does nothing,
        so a double click makes one portal session."""
        if self.portal_loading:
            return
        self.portal_loading = True
        yield
        if (elsewhere := self._renew_or_sign_in()) is not None:
            self.portal_loading = False
            yield elsewhere
            return
        access, _ = self._tokens()
        try:
            result = await create_portal_session(access)
        except Exception:
            logger.exception("billing page: unexpected error opening the portal")
            result = PORTAL_FAILED
        if isinstance(result, Redirect):
            # Stay "loading" while the browser leaves for Stripe.
            yield rx.redirect(result.url)
            return
        self.portal_loading = False
        if result == NOT_AUTHENTICATED:
            yield login_redirect(routes.BILLING)
            return
        yield rx.toast.error(result.message)
