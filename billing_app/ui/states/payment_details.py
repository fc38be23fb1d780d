"""The billing page's payment details: the card and the next payment, from Stripe.

They never hold up the plan: the section asks for them when it appears (its on_mount, once the
plan is shown and live), and the Stripe reads run in a background event, so the plan card and
every click go on meanwhile. Until they arrive the section shows a skeleton; when Stripe fails,
a quiet "Couldn't load payment details" and nothing else changes.

The subscription read is the one the plan card shows (BillingState's), never one the browser
names. Each load belongs to a page visit (BillingState.visit): the section shows only what was
read for the current one, so a tab coming back from Stripe never shows the card it left with.
"""

from __future__ import annotations

import logging

import reflex as rx

from billing_app.billing.payment_details import PaymentDetails, read_payment_details
from billing_app.billing.subscription import Subscription
from billing_app.platform.outcomes import UpstreamError
from billing_app.ui import display
from billing_app.ui.states.billing import BillingState
from billing_app.ui.states.session import SessionState
from billing_app.ui.states.stages import FAILED, HIDDEN, LOADING, SHOWN

logger = logging.getLogger(__name__)


class PaymentDetailsState(SessionState):
    # The section's stage (stages.py), for page visit `visit`.
    phase: str = HIDDEN
    visit: int = -1
    payment_method_text: str = ""
    next_payment_text: str = ""  # "" when nothing more will be billed
    # Backend only: the subscription the details are (being) read for.
    _for: Subscription | None = None

    async def load(self):
        """Read the details of the subscription the page shows, unless they are read already
        (or being read) for it in this visit."""
        billing = await self.get_state(BillingState)
        row = billing._shown
        if row is None or not row.is_live:
            self.phase = HIDDEN
            return
        if (row, billing.visit) == (self._for, self.visit) and self.phase != FAILED:
            return
        self._for, self.visit, self.phase = row, billing.visit, LOADING
        yield PaymentDetailsState.read

    @rx.event(background=True)
    async def read(self):
        async with self:
            row, visit = self._for, self.visit
        if row is None:
            return
        try:
            details = await read_payment_details(row)
        except UpstreamError as exc:
            logger.warning("billing page: couldn't load payment details: %s", exc)
            details = None
        async with self:
            if (self._for, self.visit) == (row, visit):  # else a newer load took over
                self._show(details)

    def _show(self, details: PaymentDetails | None) -> None:
        if details is None:
            self.phase = FAILED
            return
        self.payment_method_text = display.payment_method_line(details.payment_method)
        self.next_payment_text = (
            display.next_payment_line(details.next_payment, self._display_locale())
            if details.next_payment else "")
        self.phase = SHOWN
