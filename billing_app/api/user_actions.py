"""The shared shape of the user-action routes (portal, checkout, resume, invoices): find the
caller, run the action, and answer its result as JSON (`{"url"}` for a redirect) or the
documented error, with renewed cookies when they changed; and the optional JSON body some of
them take."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from babel import Locale
from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.client_address import client_ip
from billing_app.api.responses import clear_session, json_answer, refused, store_session
from billing_app.billing import locales
from billing_app.platform.outcomes import UPSTREAM_FAILED, Outcome, Redirect, Refusal
from billing_app.session import actions

logger = logging.getLogger(__name__)

# A user action's optional JSON body ({"price": ...}) is small; a larger one is refused.
MAX_BODY_BYTES = 16 * 1024


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


def user_locale(request: Request) -> Locale | None:
    """The caller's language, from `Accept-Language` (what Checkout and the portal are shown in)."""
    return locales.from_accept_language(request.headers.get("accept-language"))


def parse_json_object(raw: bytes) -> dict[str, Any] | Outcome:
    """A body read as an optional JSON object: {} for a blank one; INVALID_PAYLOAD for anything
    but an object (not JSON, not UTF-8, nested too deep)."""
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return Outcome.INVALID_PAYLOAD
    return parsed if isinstance(parsed, dict) else Outcome.INVALID_PAYLOAD


async def json_object(request: Request) -> dict[str, Any] | Outcome:
    """The request's optional JSON object (`parse_json_object`); PAYLOAD_TOO_LARGE past
    MAX_BODY_BYTES, the rest left unread (responses.PostOnly drains it)."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return Outcome.PAYLOAD_TOO_LARGE
    return parse_json_object(bytes(raw))
