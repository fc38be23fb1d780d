"""POST /api/customer_portal: 200 {"url"} | 401 | 404 | 429 + Retry-After | 500 (README)."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.user_actions import answer_user_action, user_locale
from billing_app.billing.portal import create_portal_session


async def customer_portal(request: Request) -> Response:
    action = functools.partial(create_portal_session, locale=user_locale(request))
    return await answer_user_action(request, action, "Failed to create portal session")
