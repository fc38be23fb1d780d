"""The plain-HTTP front door: routes mounted ahead of Reflex's own by `api_transformer`.

    POST /api/customer_portal   200 {"url"} | 401 {"error": "Unauthorized"}
                                | 404 {"error": "No subscription found"}
                                | 429 {"error": "Too many requests"} + Retry-After (seconds)
                                | 500 {"error": "Failed to create portal session"}
                                | 405 for other methods. Credentials: `Authorization: Bearer
                                <access token>`, or the session cookies (renewed when the
                                access token has expired). The body is ignored.
    POST /api/checkout_sessions the same rules; 409 {"error": "Already subscribed"},
                                500 {"error": "Failed to create checkout session"}
    POST /api/webhooks/stripe   Stripe's signed events (see webhooks.py)
    GET  /api/auth/callback     ?code=&next=  one-time code from sign-in -> session cookies
    GET  /api/auth/refresh      ?next=        renew the session cookies, then back to `next`
    POST /api/auth/sign_out                   end the session at Supabase, clear the cookies
    GET  /api/health            liveness: 200 {"status": "ok"}, nothing else checked
    GET  /api/ready             readiness: 200 {"status": "ready", "checks": {...}}
                                | 503 {"status": "unavailable", "failing": [...], "checks": {...}}

Each route only translates: the action's result becomes a status and JSON, or a redirect.
Every /api request leaves one JSON line in the log, with its id in `X-Request-Id`
(request_log.py); each route names its outcome there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from billing_app import auth, health, request_log, routes, session_cookies, sign_in_codes
from billing_app.checkout import create_checkout_session
from billing_app.outcomes import (
    CHECKOUT_FAILED,
    NOT_AUTHENTICATED,
    PORTAL_FAILED,
    Failure,
    RateLimited,
    Redirect,
    UpstreamError,
)
from billing_app.portal import create_portal_session
from billing_app.settings import get_settings
from billing_app.webhooks import HANDLING_FAILED, handle_stripe_webhook

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}


def _json(status: int, body: dict, extra_headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status, headers={**NO_STORE, **(extra_headers or {})})


def _failure(failure: Failure) -> JSONResponse:
    request_log.note_outcome(request_log.outcome_of(failure))
    extra = {"Retry-After": str(failure.retry_after_s)} if isinstance(failure, RateLimited) else None
    return _json(failure.status, {"error": failure.message}, extra)


def _method_not_allowed(allow: str) -> JSONResponse:
    request_log.note_outcome("method_not_allowed")
    return _json(405, {"error": "Method not allowed"}, {"Allow": allow})


def _redirect(url: str, outcome: str) -> RedirectResponse:
    request_log.note_outcome(outcome)
    return RedirectResponse(url, 303, headers=NO_STORE)


def _bearer(request: Request) -> tuple[bool, str | None]:
    """(was an Authorization header sent, the Bearer token in it)."""
    header = request.headers.get("authorization")
    if header is None:
        return False, None
    scheme, _, token = header.partition(" ")
    return True, (token.strip() or None) if scheme.lower() == "bearer" else None


UserAction = Callable[[str | None], Awaitable[Redirect | Failure]]


async def _run_user_action(request: Request, action: UserAction, failed: Failure) -> Response:
    """Authenticate the caller (Bearer, or cookies renewed if expired), run the action, and
    turn its result into the documented JSON."""
    if request.method != "POST":
        return _method_not_allowed("POST")
    settings = get_settings()
    renewed: auth.Session | None = None
    try:
        sent_header, token = _bearer(request)
        if not sent_header:
            token, refresh_token = session_cookies.read(request.headers.get("cookie"))
            if session_cookies.needs_refresh(token) and refresh_token:
                renewed = await auth.refresh(refresh_token)
                if renewed is None:
                    response = _failure(NOT_AUTHENTICATED)
                    session_cookies.clear(response, secure=settings.secure_cookies)
                    return response
                token = renewed.access_token
        result = await action(token)
    except UpstreamError as exc:
        logger.warning("%s: Supabase failed while renewing the session: %s", request.url.path, exc)
        return _failure(failed)
    except Exception:
        logger.exception("%s: unexpected error", request.url.path)
        return _failure(failed)
    if isinstance(result, Failure):
        response = _failure(result)
    else:
        request_log.note_outcome(request_log.outcome_of(result))
        response = _json(200, {"url": result.url})
    if renewed is not None:
        session_cookies.store(response, renewed, secure=settings.secure_cookies)
    return response


async def customer_portal(request: Request) -> Response:
    return await _run_user_action(request, create_portal_session, PORTAL_FAILED)


async def checkout_sessions(request: Request) -> Response:
    return await _run_user_action(request, create_checkout_session, CHECKOUT_FAILED)


# Stripe's events are a few kilobytes; a body this large is not one.
MAX_WEBHOOK_BYTES = 1024 * 1024


async def stripe_webhook(request: Request) -> Response:
    if request.method != "POST":
        return _method_not_allowed("POST")
    payload = bytearray()
    async for chunk in request.stream():
        payload += chunk
        if len(payload) > MAX_WEBHOOK_BYTES:
            return _json(413, {"error": "Payload too large"})
    try:
        answer = await handle_stripe_webhook(bytes(payload), request.headers.get("stripe-signature"))
    except Exception:
        logger.exception("webhook: unexpected error")
        answer = HANDLING_FAILED
    # "applied", "duplicate", "ignored", ...; or the error in snake_case ("invalid_signature").
    outcome = answer.body.get("outcome") or answer.body.get("error", "")
    request_log.note_outcome("_".join(str(outcome).lower().split()))
    return _json(answer.status, answer.body)


def _to_site(path: str) -> str:
    return f"{get_settings().site_url}{path}"


def _login_url(next_path: str | None = None, error: str | None = None) -> str:
    query = {k: v for k, v in (("next", next_path), ("error", error)) if v}
    return _to_site(routes.LOGIN + (f"?{urlencode(query)}" if query else ""))


async def auth_callback(request: Request) -> Response:
    settings = get_settings()
    next_path = routes.local_path_or_default(request.query_params.get("next"))
    try:
        session = await sign_in_codes.redeem(request.query_params.get("code"))
    except UpstreamError as exc:
        logger.warning("auth_callback: %s", exc)
        return _redirect(_login_url(next_path, "unavailable"), "unavailable")
    if session is None:
        return _redirect(_login_url(next_path, "expired"), "code_expired")
    request_log.note_user(session.user.id)
    response = _redirect(_to_site(next_path), "signed_in")
    session_cookies.store(response, session, secure=settings.secure_cookies)
    return response


async def auth_refresh(request: Request) -> Response:
    settings = get_settings()
    next_path = routes.local_path_or_default(request.query_params.get("next"))
    _, refresh_token = session_cookies.read(request.headers.get("cookie"))
    try:
        session = await auth.refresh(refresh_token)
    except UpstreamError as exc:
        logger.warning("auth_refresh: Supabase failed: %s", exc)
        return _redirect(_login_url(next_path, "unavailable"), "unavailable")
    if session is None:
        response = _redirect(_login_url(next_path), "refresh_refused")
        session_cookies.clear(response, secure=settings.secure_cookies)
        return response
    request_log.note_user(session.user.id)
    response = _redirect(_to_site(next_path), "renewed")
    session_cookies.store(response, session, secure=settings.secure_cookies)
    return response


async def auth_sign_out(request: Request) -> Response:
    if request.method != "POST":
        return _method_not_allowed("POST")
    settings = get_settings()
    access_token, _ = session_cookies.read(request.headers.get("cookie"))
    try:
        await auth.sign_out(access_token)
    except UpstreamError as exc:
        # The cookies go anyway; the session at Supabase ends when its refresh token isn't used.
        logger.warning("sign_out: Supabase failed: %s", exc)
    response = _redirect(_login_url(), "signed_out")
    session_cookies.clear(response, secure=settings.secure_cookies)
    return response


# Bodies the routes leave unread are read and dropped up to this size before answering.
DRAIN_LIMIT_BYTES = MAX_WEBHOOK_BYTES


class _EveryMethod:
    """Runs a route's handler for every HTTP method, and finishes reading the request body.

    Starlette gives a plain function endpoint GET only (or the methods listed) and answers the
    others in plain text itself; an ASGI app routed without a method list gets them all, so the
    POST routes answer TRACE, PROPFIND or anything else with their own JSON 405.

    Most answers don't need the body (the portal ignores it), but a server that answers before
    the body is read closes the keep-alive connection afterwards, and a client that reuses it at
    that moment loses its next request. So what the handler left unread is read and dropped,
    up to DRAIN_LIMIT_BYTES, before the answer goes out.
    """

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body_done = False

        async def receive_and_note() -> Message:
            nonlocal body_done
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        response = await self.handler(Request(scope, receive_and_note))
        dropped = 0
        while not body_done and dropped <= DRAIN_LIMIT_BYTES:
            dropped += len((await receive_and_note()).get("body", b""))
        await response(scope, receive, send)


async def liveness(request: Request) -> Response:
    request_log.note_outcome("ok")
    return _json(200, {"status": "ok"})


async def readiness(request: Request) -> Response:
    checks = await health.check_dependencies()
    failing = [name for name, ok in checks.items() if not ok]
    body = {name: "ok" if ok else "failing" for name, ok in checks.items()}
    if failing:
        request_log.note_outcome("unavailable")
        return _json(503, {"status": "unavailable", "failing": failing, "checks": body})
    request_log.note_outcome("ready")
    return _json(200, {"status": "ready", "checks": body})



def create_api() -> Starlette:
    """The Starlette app Reflex mounts its own backend into (see billing_app.py)."""
    return Starlette(
        routes=[
            Route(routes.API_CUSTOMER_PORTAL, _EveryMethod(customer_portal)),
            Route(routes.API_CHECKOUT_SESSIONS, _EveryMethod(checkout_sessions)),
            Route(routes.API_STRIPE_WEBHOOK, _EveryMethod(stripe_webhook)),
            Route(routes.API_AUTH_CALLBACK, auth_callback, methods=["GET"]),
            Route(routes.API_AUTH_REFRESH, auth_refresh, methods=["GET"]),
            Route(routes.API_AUTH_SIGN_OUT, _EveryMethod(auth_sign_out)),
            Route(routes.API_HEALTH, liveness, methods=["GET", "HEAD"]),
            Route(routes.API_READY, readiness, methods=["GET", "HEAD"]),
        ],
        middleware=[Middleware(request_log.RequestLogMiddleware)],
    )
