"""The shared shape of the user-action routes (portal, checkout, resume): find the caller, run
the action, and answer its result as JSON (`{"url"}` for a redirect) or the documented error,
with renewed cookies when they changed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.client_address import client_ip
from billing_app.api.responses import clear_session, json_answer, refused, store_session
from billing_app.platform.outcomes import UPSTREAM_FAILED, Redirect, Refusal
from billing_app.session import actions

logger = logging.getLogger(__name__)


def redirect_body(result: Redirect) -> dict[str, Any]:
    return {"url": result.url}


async def answer_user_action(request: Request,
                             action: Callable[[str | None], Awaitable[Any]], failed: str,
                             body: Callable[[Any], dict[str, Any]] = redirect_body) -> Response:
    """Credentials: `Authorization: Bearer <access token>`, or the session cookies (renewed
    first when the access token has expired). A result that isn't a refusal is answered 200
    with `body(result)`; `failed` words this route's 500."""
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
    if isinstance(result, Refusal):
        response = refused(result, failed)
    else:
        response = json_answer(200, body(result), result.outcome)
    if result == actions.REFRESH_REFUSED:
        clear_session(response)
    elif renewed is not None:
        store_session(response, renewed)
    return response
