"""The customer's last invoices: the one read behind the billing page's Invoices section and
`GET /api/invoices`.

The Stripe customer always comes from the caller's own row, read under RLS, never from the
request. Each read counts against Limit.INVOICES before Stripe is asked. Drafts (not yet
finalized: no number, no hosted page) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from billing_app.billing.account import Account, user_action
from billing_app.platform import clients, rate_limits
from billing_app.platform.outcomes import NO_SUBSCRIPTION, Outcome, Refusal
from billing_app.platform.rate_limits import Limit

LIMIT = 12


@dataclass(frozen=True)
class Invoice:
    """What the page and the API show of one invoice; `created` in epoch seconds."""

    id: str
    created: int
    amount_due: int
    currency: str
    status: str
    hosted_invoice_url: str | None

    @classmethod
    def from_stripe(cls, invoice: dict[str, Any]) -> Invoice:
        return cls(invoice["id"], invoice["created"], invoice["amount_due"],
                   invoice["currency"], invoice["status"], invoice.get("hosted_invoice_url"))


@dataclass(frozen=True)
class Invoices:
    """The newest first, at most LIMIT."""

    items: tuple[Invoice, ...]
    outcome: ClassVar[Outcome] = Outcome.LISTED


@user_action("invoices")
async def list_invoices(account: Account) -> Invoices | Refusal:
    row = account.subscription
    if row is None or not row.stripe_customer_id:
        return NO_SUBSCRIPTION
    if (refusal := await rate_limits.refusal(Limit.INVOICES, account.user.id)) is not None:
        return refusal
    listed = await clients.stripe().v1.invoices.list_async(
        params={"customer": row.stripe_customer_id, "limit": LIMIT + 1})
    found: list[Invoice] = []
    async for invoice in listed.auto_paging_iter():
        if invoice.status != "draft":
            found.append(Invoice.from_stripe(invoice.to_dict()))
        if len(found) == LIMIT:
            break
    return Invoices(tuple(found))
