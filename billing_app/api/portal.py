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
import json

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.responses import refused
from billing_app.api.user_actions import answer_user_action
from billing_app.billing.portal import PortalFlow, create_portal_session
from billing_app.platform.outcomes import UNKNOWN_FLOW, Refusal

FAILED = "Failed to create portal session"
# `{"flow": "payment_method_update"}` is 33 bytes; a body past this names no flow.
MAX_BODY_BYTES = 1024


def flow_in(body: bytes) -> PortalFlow | None | Refusal:
    """The flow a request body names: None for the home page, else UNKNOWN_FLOW."""
    if not body.strip():
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        return UNKNOWN_FLOW
    if not isinstance(parsed, dict) or set(parsed) - {"flow"}:
        return UNKNOWN_FLOW
    flow = parsed.get("flow")
    if flow is None:
        return None
    if isinstance(flow, str) and flow in set(PortalFlow):
        return PortalFlow(flow)
    return UNKNOWN_FLOW


async def _read_flow(request: Request) -> PortalFlow | None | Refusal:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return UNKNOWN_FLOW  # the rest is drained unread (responses.PostOnly)
    return flow_in(bytes(body))


async def customer_portal(request: Request) -> Response:
    flow = await _read_flow(request)
    if isinstance(flow, Refusal):
        return refused(flow, FAILED)
    return await answer_user_action(
        request, functools.partial(create_portal_session, flow=flow), FAILED)
