"""How the routes answer: the one table from outcomes to statuses and error bodies, redirects,
the session cookies, and POST-only endpoints that answer other methods with a JSON 405."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Message, Receive, Scope, Send

from billing_app.platform import request_log
from billing_app.platform.outcomes import Outcome, Refusal
from billing_app.platform.settings import get_settings
from billing_app.session import cookies
from billing_app.session.supabase_auth import Session

NO_STORE = {"Cache-Control": "no-store"}

# Every refusal a route can answer: its status and `{"error": ...}`. UPSTREAM_FAILED has no
# words here because each route words its own 500 ("Failed to create portal session").
ERRORS: dict[Outcome, tuple[int, str | None]] = {
    # The request itself is wrong.
    Outcome.INVALID_SIGNATURE: (400, "Invalid signature"),
    Outcome.INVALID_PAYLOAD: (400, "Invalid payload"),
    Outcome.UNKNOWN_PRICE: (400, "Unknown price"),
    Outcome.UNKNOWN_FLOW: (400, "Unknown flow"),
    # Who is asking.
    Outcome.NOT_AUTHENTICATED: (401, "Unauthorized"),
    Outcome.REFRESH_REFUSED: (401, "Unauthorized"),
    Outcome.CROSS_SITE: (403, "Forbidden"),
    # What they ask for.
    Outcome.NO_SUBSCRIPTION: (404, "No subscription found"),
    Outcome.METHOD_NOT_ALLOWED: (405, "Method not allowed"),
    Outcome.ALREADY_SUBSCRIBED: (409, "Already subscribed"),
    Outcome.CANCELLATION_SCHEDULED: (409, "Cancellation already scheduled"),
    Outcome.PAYLOAD_TOO_LARGE: (413, "Payload too large"),
    Outcome.RATE_LIMITED: (429, "Too many requests"),
    Outcome.UPSTREAM_FAILED: (500, None),
}


def json_answer(status: int, body: dict, outcome: Outcome,
         headers: dict[str, str] | None = None) -> JSONResponse:
    request_log.note_outcome(outcome)
    return JSONResponse(body, status, headers={**NO_STORE, **(headers or {})})


def refused(refusal: Refusal | Outcome, failed: str = "") -> JSONResponse:
    """The documented error answer for a refusal; `failed` words this route's 500."""
    if isinstance(refusal, Outcome):
        refusal = Refusal(refusal)
    status, message = ERRORS[refusal.outcome]
    headers = {}
    if refusal.retry_after_s is not None:
        headers["Retry-After"] = str(refusal.retry_after_s)
    if refusal.outcome is Outcome.METHOD_NOT_ALLOWED:
        headers["Allow"] = "POST"
    return json_answer(status, {"error": message or failed}, refusal.outcome, headers)


def redirect(url: str, outcome: Outcome) -> RedirectResponse:
    request_log.note_outcome(outcome)
    return RedirectResponse(url, 303, headers=NO_STORE)


def store_session(response: Response, session: Session) -> None:
    """Set the session cookies (see `session.cookies` for what they hold and why)."""
    for name, value in cookies.values(session).items():
        response.set_cookie(name, value, max_age=cookies.MAX_AGE_S, path="/",
                            secure=get_settings().secure_cookies, httponly=True, samesite="lax")


def clear_session(response: Response) -> None:
    for name in cookies.names():
        response.delete_cookie(name, path="/", secure=get_settings().secure_cookies,
                               httponly=True, samesite="lax")


# Bodies the routes leave unread are read and dropped up to this size before answering.
DRAIN_LIMIT_BYTES = 1024 * 1024


def _may_have_body(scope: Scope) -> bool:
    """HTTP/1.x carries a body only with Content-Length (other than 0) or Transfer-Encoding; an
    HTTP/2 request may stream one without either."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return scope.get("http_version") not in ("1.0", "1.1")


class PostOnly:
    """An ASGI endpoint that runs `handler` for POST (or for `method`) and answers every other
    method (TRACE, PROPFIND, ...) with the JSON 405, where Starlette would answer in plain text
    itself.

    It also finishes reading the request body: a server that answers before the body is read
    closes the keep-alive connection afterwards, and a client that reuses it at that moment
    loses its next request. What the handler left unread is dropped, up to DRAIN_LIMIT_BYTES.
    """

    def __init__(self, handler: Callable[[Request], Awaitable[Response]],
                 method: str = "POST") -> None:
        self.handler = handler
        self.method = method

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body_done = not _may_have_body(scope)

        async def receive_and_note() -> Message:
            nonlocal body_done
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        request = Request(scope, receive_and_note)
        if request.method == self.method:
            response = await self.handler(request)
        else:
            response = refused(Outcome.METHOD_NOT_ALLOWED)
            response.headers["Allow"] = self.method
        dropped = 0
        while not body_done and dropped <= DRAIN_LIMIT_BYTES:
            dropped += len((await receive_and_note()).get("body", b""))
        await response(scope, receive, send)
