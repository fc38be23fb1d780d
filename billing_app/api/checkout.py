"""POST /api/checkout_sessions, with an optional {"price": "price_..."}: 200 {"url"} | 400 |
401 | 409 | 413 | 429 | 500 (README)."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.responses import refused
from billing_app.api.user_actions import answer_user_action, json_object, user_locale
from billing_app.billing.checkout import create_checkout_session
from billing_app.platform.outcomes import Outcome


async def checkout_sessions(request: Request) -> Response:
    body = await json_object(request)
    if isinstance(body, Outcome):
        return refused(body)
    price = body.get("price")
    if price is not None and not isinstance(price, str):
        return refused(Outcome.UNKNOWN_PRICE)
    action = functools.partial(create_checkout_session, price=price, locale=user_locale(request))
    return await answer_user_action(request, action, "Failed to create checkout session")
