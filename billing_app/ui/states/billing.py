"""The billing settings page: the user's plan, read fresh on every load, and its banners;
Manage Subscription, the portal's flows (Update payment method, Change plan, Cancel plan),
Resume subscription and Subscribe; and, back from Stripe, a short watch for the webhook that
records the change.

The handlers call the same actions as `POST /api/customer_portal` (with its flows),
`POST /api/subscription/resume` and `POST /api/checkout_sessions`; they only turn the outcome
into a redirect, what the page shows, a message under the buttons (MESSAGES) or a trip to
sign-in.

The plan comes first: `load` ends as soon as the row is read and shown; anything slower (the
comparison with Stripe after a portal visit; the payment details, the invoices and the plan
picker, each in its own state) runs in a background event after it, so it holds back neither
the plan nor a click.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import reflex as rx
from reflex.event import EventType

from billing_app.billing import subscription
from billing_app.billing.account import load_account
from billing_app.billing.checkout import create_checkout_session
from billing_app.billing.portal import PortalFlow, create_portal_session
from billing_app.billing.resume import Resumed, resume_subscription
from billing_app.billing.subscription import Subscription, is_live
from billing_app.platform import paths, request_log
from billing_app.platform.outcomes import (
    UPSTREAM_FAILED,
    Outcome,
    Redirect,
    Refusal,
    UpstreamError,
    UserAction,
)
from billing_app.ui import display
from billing_app.ui.states.invoices import InvoicesState
from billing_app.ui.states.plans import PlansState
from billing_app.ui.states.session import SessionState, login_redirect

logger = logging.getLogger(__name__)

# What the page says when an action is refused. UPSTREAM_FAILED is worded per action.
MESSAGES = {
    Outcome.NO_SUBSCRIPTION: "No subscription found",
    Outcome.ALREADY_SUBSCRIBED: "Already subscribed",
    Outcome.UNKNOWN_PRICE: "That plan isn't on offer any more. Please reload the page.",
    Outcome.CANCELLATION_SCHEDULED: "Cancellation already scheduled",
    Outcome.RATE_LIMITED: "Too many requests. Try again in {retry_after_s} seconds.",
}
PORTAL_FAILED = "Failed to create portal session"

# The sections after the plan (each its own state); a new visit clears them first.
SECTIONS = (InvoicesState, PlansState)
# Back from Stripe, re-read the row this often, for at most this long, until the webhook lands.
WATCH_INTERVAL_S = 0.75
WATCH_FOR_S = 6.0
# A portal visit older than this is not "just back from the portal" any more; Reflex keeps the
# tab's state (and so the time of the visit) no longer anyway (rxconfig.py: STATE_EXPIRY_S).
PORTAL_RETURN_WINDOW_S = 15 * 60


class BillingState(SessionState):
    # The page's phase: the plan read (or not) on this visit (SessionState.loaded).
    load_error: str = ""
    # The plan card, from the subscription shown.
    has_subscription: bool = False
    plan_label: str = ""
    price_text: str = ""
    status: str = ""
    renewal_text: str = ""
    live: bool = False
    cancellation_scheduled: bool = False
    # The banners' words; "" hides each.
    payment_failed_text: str = ""
    trial_text: str = ""
    ends_text: str = ""
    # The action underway ("open_portal", "resume", ...; its handler's name), else "".
    running: str = ""
    # The price a plan picker's button asked Checkout for (its button shows the spinner).
    chosen_price: str = ""
    action_error: str = ""
    # Back from Stripe: the row is re-read until the webhook's change is in.
    updating: bool = False
    # Counts this tab's page loads: what was loaded for an earlier one is not shown.
    visit: int = 0
    # Backend only: the subscription shown (the row, or Stripe's answer to an action), what the
    # watch waits for, the row compared with Stripe, and when the user left for the portal.
    _shown: Subscription | None = None
    _expected: Subscription | None = None
    _compared: Subscription | None = None
    _portal_opened_at: float = 0.0

    @rx.var
    def can_subscribe(self) -> bool:
        """Subscribe is offered to whoever has no live subscription (none, or one that ended)."""
        return not self.live

    @rx.var
    def status_label(self) -> str:
        return display.status_label(self.status)

    @rx.var
    def status_color(self) -> str:
        return display.STATUS_COLORS.get(self.status, "gray")

    @rx.var
    def acting(self) -> bool:
        """An action is running (or the browser is leaving for Stripe): every button waits."""
        return self.running != ""

    def _show(self, sub: Subscription | None) -> None:
        locale = self._display_locale()
        self._shown = sub
        self.has_subscription = sub is not None and bool(sub.stripe_customer_id)
        self.live = is_live(sub)
        self.cancellation_scheduled = sub is not None and sub.cancellation_scheduled
        self.plan_label = (sub.plan_label or "Subscription") if sub else ""
        self.price_text = (display.format_price(sub.unit_amount, sub.currency,
                                               sub.billing_interval, locale) if sub else "")
        self.status = (sub.status or "") if sub else ""
        self.renewal_text = display.renewal_line(sub, locale) if sub else ""
        self.payment_failed_text = display.payment_failed_banner(sub)
        self.trial_text = display.trial_banner(sub, locale)
        self.ends_text = display.ends_banner(sub, locale)

    async def load(self):
        """on_load: check the session (locally, against the JWKS, where the project signs
        asymmetrically) and read the row, both at once, on every visit."""
        # The tab's state outlives a page load: forget the last visit's (the page doesn't show
        # it meanwhile, see `loaded`), in the same answer as this visit's plan. (A fresh tab has
        # nothing to clear.)
        self.visit += 1
        if self._loaded_on or self.action_error or self.running:
            self._loaded_on, self.updating = "", False
            self.load_error = self.action_error = self.running = ""
            self._show(None)
            for section in SECTIONS:
                (await self.get_state(section)).clear()
        access = self._access_or_elsewhere()
        if not isinstance(access, str):
            yield access
            return
        try:
            account = await load_account(access, locally=True)
        except UpstreamError as exc:
            logger.warning("billing page: Supabase failed: %s", exc)
            self._mark_loaded()
            self.load_error = "We couldn't load your subscription. Please reload the page."
            return
        if isinstance(account, Refusal):
            yield login_redirect(self._current_path())
            return
        self.user_email = account.user.email
        self._show(account.subscription)
        self._mark_loaded()
        if (follow_up := self._after_the_plan(account.subscription)) is not None:
            yield follow_up
        for section in self._sections():
            yield section

    def _sections(self) -> Iterator[EventType[()]]:
        """The sections that load after the plan, each in its own background event."""
        if self.has_subscription:
            yield InvoicesState.load
        if self.can_subscribe:
            yield PlansState.load

    def _after_the_plan(self, row: Subscription | None) -> rx.event.EventSpec | None:
        """Back from checkout or the portal with the webhook not yet in: watch for it. Both run
        in the background, after the plan is shown: events of a tab run one at a time, so work
        left in `load` would hold back the plan and every click until it ended."""
        back_from_portal = time.time() - self._portal_opened_at < PORTAL_RETURN_WINDOW_S
        back_from_checkout = self.router.url.query_parameters.get("checkout") == "success"
        self._portal_opened_at, self._expected, self._compared = 0.0, None, None
        if back_from_checkout and not is_live(row):
            return BillingState.watch_for_webhook
        if back_from_portal and row is not None:
            self._compared = row
            return BillingState.compare_with_stripe
        return None

    @rx.event(background=True)
    async def compare_with_stripe(self):
        """Back from the portal: when Stripe already has what the row doesn't (a change the
        webhook hasn't written yet), watch for it."""
        async with self:
            row = self._compared
        if row is None:
            return
        try:
            expected = await subscription.as_stripe_has_it(row)
        except UpstreamError as exc:
            logger.warning("billing page: couldn't compare with Stripe: %s", exc)
            return
        if expected is not None and expected != row:
            async with self:
                self._expected = expected
            yield BillingState.watch_for_webhook

    @rx.event(background=True)
    async def watch_for_webhook(self):
        """Re-read the row until it shows what Stripe has (or a subscription, after checkout),
        for a few seconds at most, then show what there is."""
        async with self:
            if self.updating:
                return
            self.updating = True
            expected = self._expected
            access = self._access_or_elsewhere()
        deadline = time.monotonic() + WATCH_FOR_S
        try:
            while isinstance(access, str) and time.monotonic() < deadline:
                await asyncio.sleep(WATCH_INTERVAL_S)
                row = await subscription.read_own(access)
                arrived = (is_live(row) if expected is None else row == expected)
                if arrived or expected is None:
                    async with self:
                        self._show(row)
                if arrived:
                    break
        except UpstreamError as exc:
            logger.warning("billing page: re-reading the row failed: %s", exc)
        finally:
            async with self:
                self.updating = False
                sections = list(self._sections())
        for section in sections:  # what the change shows there (a first invoice, say)
            yield section

    async def _run(self, action: Callable[[str], Awaitable[Any]], access: str) -> Any:
        """`action(access)` as one request-log line ("billing.<the running handler>"); a bug is
        UPSTREAM_FAILED (and logged), as at the API's edge."""
        with request_log.logged_action(f"billing.{self.running}"):
            try:
                result = await action(access)
            except Exception:
                logger.exception("billing page: unexpected error")
                result = UPSTREAM_FAILED
            request_log.note_outcome(result.outcome)
        return result

    def _refused(self, refusal: Refusal, failed: str) -> rx.event.EventSpec | None:
        """A refusal as the page answers it: off to sign-in, or a message under the buttons."""
        if refusal.outcome is Outcome.NOT_AUTHENTICATED:
            return login_redirect(paths.BILLING)
        message = MESSAGES.get(refusal.outcome, failed)
        self.action_error = message.format(retry_after_s=refusal.retry_after_s)
        return None

    async def _act(self, name: str, action: Callable[[str], Awaitable[Any]]) -> AsyncIterator:
        """Run `action` once as `name`, yielding the page's updates, then its result (last): a
        second click while any action runs (or while the browser leaves) does nothing, so a
        double click makes one Stripe call."""
        if self.running:
            return
        self.running, self.action_error = name, ""
        yield
        access = self._access_or_elsewhere()
        if not isinstance(access, str):
            self.running = ""
            yield access
            return
        yield await self._run(action, access)

    async def _go_to_stripe(self, name: str, action: UserAction, failed: str,
                            to_portal: bool = False) -> AsyncIterator:
        """A redirecting action: off to the Stripe page it made, or the refusal shown. Only a
        redirect to the portal marks the visit (a refused click must not cost a Stripe read on
        the next load)."""
        async for step in self._act(name, action):
            if isinstance(step, Redirect):
                if to_portal:
                    self._portal_opened_at = time.time()
                yield rx.redirect(step.url)  # stay "running" while the browser leaves
            elif isinstance(step, Refusal):
                self.running = ""
                yield self._refused(step, failed)
            else:
                yield step

    async def open_portal(self):
        """Manage Subscription: the portal's home page."""
        async for step in self._open_flow("open_portal", None):
            yield step

    def _open_flow(self, name: str, flow: PortalFlow | None) -> AsyncIterator:
        """The portal on its home page (no `flow`) or on one flow, in the user's language."""
        action = functools.partial(create_portal_session, flow=flow, locale=self._user_locale())
        return self._go_to_stripe(name, action, PORTAL_FAILED, to_portal=True)

    async def update_payment_method(self):
        """The portal's payment-method page, back here once a card is saved."""
        async for step in self._open_flow("update_payment_method",
                                          PortalFlow.PAYMENT_METHOD_UPDATE):
            yield step

    async def change_plan(self):
        async for step in self._open_flow("change_plan", PortalFlow.SUBSCRIPTION_UPDATE):
            yield step

    async def cancel_plan(self):
        async for step in self._open_flow("cancel_plan", PortalFlow.SUBSCRIPTION_CANCEL):
            yield step

    async def resume(self):
        """Resume subscription, here without the portal: the page shows the subscription as
        Stripe answers it at once; the webhook brings the row along."""
        async for step in self._act("resume", resume_subscription):
            if isinstance(step, Resumed):
                self.running = ""
                self._show(step.subscription)
            elif isinstance(step, Refusal):
                self.running = ""
                yield self._refused(step, "Failed to resume subscription")
            else:
                yield step

    async def subscribe(self):
        """Subscribe (the default price): off to Stripe Checkout."""
        async for step in self.subscribe_to(None):
            yield step

    async def subscribe_to(self, price: str | None):
        """A plan picker's "Subscribe to <product>": Checkout for that price."""
        if not self.running:
            self.chosen_price = price or ""
        action = functools.partial(create_checkout_session, price=price,
                                   locale=self._user_locale())
        async for step in self._go_to_stripe("subscribe", action,
                                             "Failed to create checkout session"):
            yield step
