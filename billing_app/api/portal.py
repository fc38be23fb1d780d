"""POST /api/customer_portal, with an optional `{"flow": ...}`: 200 {"url"} | 400 | 401 | 403 |
404 | 409 | 429 + Retry-After | 500 (README).

The body only ever names a flow: no body (or `{}`, or `"flow": null`) is the portal's home page,
as before flows existed; `{"flow": <a PortalFlow>}` opens that flow; anything else (another
flow, another member such as a customer or subscription, a body that isn't a JSON object) is
UNKNOWN_FLOW, answered before Supabase or Stripe is asked anything. The customer, and a flow's
subscription, come from the caller's row.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.responses import refused
from billing_app.api.user_actions import answer_user_action, json_object, user_locale
from billing_app.billing.portal import PortalFlow, create_portal_session
from billing_app.platform.outcomes import UNKNOWN_FLOW, Outcome, Refusal

FAILED = "Failed to create portal session"


def flow_in(body: dict[str, Any] | Outcome) -> PortalFlow | None | Refusal:
    """The flow a request body (`json_object`'s reading of it) names: None for the home page,
    else UNKNOWN_FLOW, for a body that isn't a JSON object too."""
    if isinstance(body, Outcome) or set(body) - {"flow"}:
        return UNKNOWN_FLOW
    flow = body.get("flow")
    if flow is None:
        return None
    if isinstance(flow, str) and flow in set(PortalFlow):
        return PortalFlow(flow)
    return UNKNOWN_FLOW


async def customer_portal(request: Request) -> Response:
    flow = flow_in(await json_object(request))
    if isinstance(flow, Refusal):
        return refused(flow, FAILED)
    action = functools.partial(create_portal_session, flow=flow, locale=user_locale(request))
    return await answer_user_action(request, action, FAILED)
