"""The billing page's plan picker, for users without a live subscription: the plans on offer
(billing/catalogue.py, kept for a few minutes, so no Stripe call per page load), grouped by
interval with a switch (Monthly / Yearly) when there is more than one. Its Subscribe buttons
call BillingState.subscribe_to. If the catalogue can't be read the picker gives way to the
plain Subscribe button."""

from __future__ import annotations

import logging

import reflex as rx
import stripe

from billing_app.billing import catalogue
from billing_app.platform.outcomes import UpstreamError
from billing_app.ui import display
from billing_app.ui.states.session import SessionState
from billing_app.ui.states.stages import FAILED, HIDDEN, LOADING, SHOWN

logger = logging.getLogger(__name__)

ORDER = ("day", "week", "month", "year")


class PlansState(SessionState):
    stage: str = HIDDEN
    # Each plan as the picker shows it: price (its id), name, price_text, interval.
    plans: list[dict[str, str]] = rx.field(default_factory=list)
    interval: str = "month"

    @rx.var
    def intervals(self) -> list[dict[str, str]]:
        """The intervals on offer, shortest first, with their switch labels."""
        found = {plan["interval"] for plan in self.plans}
        return [{"interval": i, "label": display.INTERVAL_LABELS[i]} for i in ORDER if i in found]

    @rx.var
    def shown_plans(self) -> list[dict[str, str]]:
        return [plan for plan in self.plans if plan["interval"] == self.interval]

    @rx.event(background=True)
    async def load(self):
        async with self:
            self.stage = LOADING
            locale = self._display_locale()
        try:
            offered = await catalogue.plans()
        except (UpstreamError, stripe.StripeError) as exc:
            logger.warning("billing page: the catalogue failed: %s", exc)
            async with self:
                self.stage = FAILED
            return
        ordered = sorted((plan for plan in offered if plan.interval in ORDER),
                         key=lambda plan: (ORDER.index(plan.interval), plan.unit_amount))
        async with self:
            self.plans = [{
                "price": plan.price_id,
                "name": plan.product_name,
                "price_text": display.format_price(plan.unit_amount, plan.currency,
                                                   plan.interval, locale, plan.interval_count),
                "interval": plan.interval,
            } for plan in ordered]
            intervals = [plan["interval"] for plan in self.plans]
            if self.interval not in intervals:
                self.interval = "month" if "month" in intervals else (intervals or ["month"])[0]
            self.stage = SHOWN if self.plans else FAILED

    def show_interval(self, interval: str) -> None:
        if interval in ORDER:
            self.interval = interval

    def clear(self) -> None:
        self.stage, self.plans = HIDDEN, []
