"""POST /api/checkout_sessions: 200 {"url"} | 401 | 409 | 500 (README)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.user_actions import answer_user_action
from billing_app.billing.checkout import create_checkout_session


async def checkout_sessions(request: Request) -> Response:
    return await answer_user_action(request, create_checkout_session,
                                    "Failed to create checkout session")
