"""GET /api/invoices: 200 {"invoices": [...]} | 401 | 404 | 429 | 500 (README)."""

from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.user_actions import answer_user_action
from billing_app.billing.invoices import Invoices, list_invoices


def _listed(result: Invoices) -> dict:
    return {"invoices": [dataclasses.asdict(invoice) for invoice in result.items]}


async def invoices(request: Request) -> Response:
    return await answer_user_action(request, list_invoices, "Failed to load invoices", _listed)
