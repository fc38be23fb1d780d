"""The billing settings page: the user's plan, read fresh on every load; Manage Subscription and
Subscribe; and, back from Stripe, a short watch for the webhook that records the change.

`open_portal` and `subscribe` call the same functions as `POST /api/customer_portal` and
`POST /api/checkout_sessions`; these handlers only turn the answer into a redirect, a toast or a
trip to sign-in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import reflex as rx

from billing_app import request_log, routes, subscriptions
from billing_app.account import load_account
from billing_app.checkout import ENDED_STATUSES, create_checkout_session
from billing_app.outcomes import NOT_AUTHENTICATED, Failure, Redirect, UpstreamError
from billing_app.pending_changes import stripe_view
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

# Back from Stripe, re-read the row this often, for at most this long, until the webhook lands.
WATCH_INTERVAL_S = 0.75
WATCH_FOR_S = 6.0
# A portal visit older than this is not "just back from the portal" any more.
PORTAL_RETURN_WINDOW_S = 3600


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
    if sub.status in ENDED_STATUSES:
        return f"Canceled on {format_day(sub.canceled_at)}" if sub.canceled_at else "Canceled"
    if sub.cancel_at_period_end or sub.cancel_at:
        return f"Cancels on {format_day(sub.cancel_at or sub.current_period_end)}"
    if sub.current_period_end:
        return f"Renews on {format_day(sub.current_period_end)}"
    return ""


def is_live(sub: Subscription | None) -> bool:
    """A subscription the user is (still) on: they manage it in the portal."""
    return bool(sub and sub.stripe_subscription_id and sub.status not in ENDED_STATUSES)


class BillingState(SessionState):
    loaded: bool = False
    load_error: str = ""
    has_subscription: bool = False
    can_subscribe: bool = False
    plan_label: str = ""
    price_text: str = ""
    status: str = ""
    renewal_text: str = ""
    redirecting: bool = False
    updating: bool = False
    # Backend only: what the watch waits for, and when the user left for the portal.
    _expected: Subscription | None = None
    _portal_opened_at: float = 0.0

    @rx.var
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.replace("_", " ").capitalize())

    @rx.var
    def status_color(self) -> str:
        return STATUS_COLORS.get(self.status, "gray")

    def _show(self, sub: Subscription | None) -> None:
        self.has_subscription = sub is not None and bool(sub.stripe_customer_id)
        self.can_subscribe = not is_live(sub)
        self.plan_label = (sub.plan_label or "Subscription") if sub else ""
        self.price_text = format_price(sub.unit_amount, sub.currency, sub.billing_interval) if sub else ""
        self.status = (sub.status or "") if sub else ""
        self.renewal_text = renewal_line(sub) if sub else ""

    async def load(self):
        """on_load: check the session and read the row, both at once, on every visit."""
        # The tab's state outlives a page load; show nothing from the last visit until this
        # visit's session check and read are done.
        self.loaded, self.redirecting, self.updating, self.load_error = False, False, False, ""
        self._show(None)
        yield
        if (elsewhere := self._renew_or_sign_in()) is not None:
            yield elsewhere
            return
        access, _ = self._tokens()
        try:
            account = await load_account(access)
        except UpstreamError as exc:
            logger.warning("billing page: Supabase failed: %s", exc)
            self.loaded, self.load_error = True, "We couldn't load your subscription. Please reload the page."
            return
        if isinstance(account, Failure):
            yield login_redirect(self._current_path())
            return
        self.user_email = account.user.email
        self._show(account.subscription)
        self.loaded = True
        if (watch := await self._watch_if_stripe_moved_on(account.subscription)) is not None:
            yield watch

    async def _watch_if_stripe_moved_on(self, row: Subscription | None):
        """Back from checkout or the portal with the webhook not yet in: watch for it."""
        back_from_portal = time.time() - self._portal_opened_at < PORTAL_RETURN_WINDOW_S
        back_from_checkout = self.router.url.query_parameters.get("checkout") == "success"
        self._portal_opened_at, self._expected = 0.0, None
        if back_from_checkout and not is_live(row):
            return BillingState.watch_for_webhook
        if back_from_portal and row is not None:
            try:
                expected = await stripe_view(row)
            except UpstreamError as exc:
                logger.warning("billing page: couldn't compare with Stripe: %s", exc)
                return None
            if expected is not None and expected != row:
                self._expected = expected
                return BillingState.watch_for_webhook
        return None

    @rx.event(background=True)
    async def watch_for_webhook(self):
        """Re-read the row until it shows what Stripe has (or a subscription, after checkout),
        for a few seconds at most, then show what there is."""
        async with self:
            if self.updating:
                return
            self.updating = True
            expected = self._expected
        access, _ = self._tokens()
        deadline = time.monotonic() + WATCH_FOR_S
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(WATCH_INTERVAL_S)
                row = await subscriptions.read_own(access) if access else None
                async with self:
                    self._show(row)
                if (expected is None and is_live(row)) or (expected is not None and row == expected):
                    break
        except UpstreamError as exc:
            logger.warning("billing page: re-reading the row failed: %s", exc)
        finally:
            async with self:
                self.updating = False

    async def _go_to_stripe(self, action: Callable[[str | None], Awaitable[Redirect | Failure]],
                            log_route: str) -> AsyncIterator:
        """Run a redirecting action once: a second click while it runs (or while the browser
        leaves) does nothing, so a double click makes one Stripe session."""
        if self.redirecting:
            return
        self.redirecting = True
        yield
        if (elsewhere := self._renew_or_sign_in()) is not None:
            self.redirecting = False
            yield elsewhere
            return
        access, _ = self._tokens()
        with request_log.logged_action(log_route) as record:
            try:
                result = await action(access)
            except Exception:
                logger.exception("billing page: unexpected error")
                result = Failure(500, "Something went wrong. Please try again.")
            record.status = 200 if isinstance(result, Redirect) else result.status
            record.outcome = request_log.outcome_of(result)
        if isinstance(result, Redirect):
            yield rx.redirect(result.url)  # stay "redirecting" while the browser leaves
            return
        self.redirecting = False
        if result == NOT_AUTHENTICATED:
            yield login_redirect(routes.BILLING)
            return
        yield rx.toast.error(result.message)

    async def open_portal(self):
        """Manage Subscription."""
        self._portal_opened_at = time.time()
        async for step in self._go_to_stripe(create_portal_session, "billing.open_portal"):
            yield step

    async def subscribe(self):
        """Subscribe: off to Stripe Checkout."""
        async for step in self._go_to_stripe(create_checkout_session, "billing.subscribe"):
            yield step
