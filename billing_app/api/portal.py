"""POST /api/customer_portal: 200 {"url"} | 401 | 404 | 429 + Retry-After | 500 (README)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.user_actions import answer_user_action
from billing_app.billing.portal import create_portal_session


async def customer_portal(request: Request) -> Response:
    return await answer_user_action(request, create_portal_session,
                                    "Failed to create portal session")
