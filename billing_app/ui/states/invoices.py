"""The billing page's Invoices section: the customer's last invoices, read after the plan is
shown (BillingState.load starts it), through the same action as `GET /api/invoices`. It fails
quietly: the rest of the page works without it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import reflex as rx

from billing_app.billing.invoices import Invoices, list_invoices
from billing_app.platform.outcomes import Refusal
from billing_app.ui import display
from billing_app.ui.states.session import SessionState
from billing_app.ui.states.stages import FAILED, HIDDEN, LOADING, SHOWN

logger = logging.getLogger(__name__)


class InvoicesState(SessionState):
    stage: str = HIDDEN
    # Each row as the page shows it: date, amount, status (its word and tone), url.
    rows: list[dict[str, str]] = rx.field(default_factory=list)

    @rx.event(background=True)
    async def load(self):
        async with self:
            self.stage, self.rows = LOADING, []
            access = self._access_or_elsewhere()
            locale = self._display_locale()
        if not isinstance(access, str):
            async with self:
                self.stage = HIDDEN
            return
        try:
            # Checked as the page load checked it (the JWKS, no Auth round trip).
            result = await list_invoices(access, locally=True)
        except Exception:
            logger.exception("billing page: the invoices failed")
            result = None
        async with self:
            if not isinstance(result, Invoices):
                if isinstance(result, Refusal):
                    logger.info("billing page: no invoices shown (%s)", result.outcome)
                self.stage = FAILED
                return
            self.rows = [{
                "date": display.format_day(datetime.fromtimestamp(item.created, UTC), locale),
                "amount": display.format_money(item.amount_due, item.currency, locale),
                "status": display.invoice_status_label(item.status),
                "tone": display.INVOICE_STATUS_COLORS.get(item.status, "gray"),
                "url": item.hosted_invoice_url or "",
            } for item in result.items]
            self.stage = SHOWN

    def clear(self) -> None:
        self.stage, self.rows = HIDDEN, []
