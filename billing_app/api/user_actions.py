"""The shared shape of the two user-action routes (portal, checkout): find the caller, run the
action, and answer `{"url"}` or the documented error, with renewed cookies when they changed."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.client_address import client_ip
from billing_app.api.responses import clear_session, json_answer, refused, store_session
from billing_app.platform.outcomes import UPSTREAM_FAILED, Redirect, Refusal, UserAction
from billing_app.session import actions

logger = logging.getLogger(__name__)

async def answer_user_action(request: Request, action: UserAction, failed: str) -> Response:
    """Credentials: `Authorization: Bearer <access token>`, or the session cookies (renewed
    first when the access token has expired). `failed` words this route's 500."""
    renewed = None
    try:
        caller = await actions.api_caller(request.headers.get("authorization"), request.cookies,
                                          client_ip(request))
        if isinstance(caller, Refusal):
            result = caller
        else:
            renewed = caller.renewed
            result = await action(caller.access_token)
    except Exception:
        logger.exception("%s: unexpected error", request.url.path)
        result = UPSTREAM_FAILED
    if isinstance(result, Redirect):
        response = json_answer(200, {"url": result.url}, result.outcome)
    else:
        response = refused(result, failed)
    if result == actions.REFRESH_REFUSED:
        clear_session(response)
    elif renewed is not None:
        store_session(response, renewed)
    return response
