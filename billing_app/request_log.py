"""One structured JSON line per API request, and per user action started from a page.

    {"kind": "api", "route": "/api/customer_portal", "method": "POST", "request_id": "9f0c...",
     "status": 200, "outcome": "redirect", "user_id": "5b6e...", "stripe_request_id": "req_...",
     "latency_ms": 41.7}
    {"kind": "event", "route": "billing.open_portal", "method": null, "request_id": "...",
     "status": 404, "outcome": "no_subscription_found", "user_id": "...", ...}

- `RequestLogMiddleware` wraps the HTTP routes (see `api.create_api`): every `/api/...` request
  gets a fresh id, echoed as the `X-Request-Id` response header, and one line when its response
  has been sent. Other paths (Reflex's websocket, pages) pass through untouched.
- `logged_action(route)` does the same for a Reflex event handler that runs a user action
  (sign-in, Manage Subscription, Subscribe), so the page's door leaves the same trace as the API's.
- Code below the front doors adds what it learns to the current line: `note_user()` once a token
  is verified (account.py), `note_stripe_request()` for each Stripe response (clients.py, from
  Stripe's `Request-Id` header), `note_outcome()` where the front door knows the result. A
  contextvar carries the line, so nothing has to be threaded through function arguments.

The line holds ids and names only: never an email, a token, a key, a query string (the sign-in
callback's one-time code travels in one) or a request body. Lines go to stdout through their
own handler, whatever the root logger's level, since they are the service's record of requests.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing_app.outcomes import Failure, Redirect

REQUEST_ID_HEADER = "X-Request-Id"
LOGGED_PREFIX = "/api/"

logger = logging.getLogger("billing_app.requests")
if not logger.handlers:
    _handler = logging.StreamHandler(sys.stdout)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


@dataclass
class RequestRecord:
    """What one request (or page action) ended in. Field order is the line's order."""

    kind: str
    route: str
    method: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: int | None = None
    outcome: str | None = None
    user_id: str | None = None
    stripe_request_id: str | None = None
    latency_ms: float | None = None


_current: ContextVar[RequestRecord | None] = ContextVar("billing_app_request", default=None)


def note_user(user_id: str) -> None:
    """The verified user this request acts for (their id, never their email)."""
    if (record := _current.get()) is not None:
        record.user_id = user_id


def note_outcome(outcome: str) -> None:
    """What the request ended in, by name (see `outcome_of`)."""
    if (record := _current.get()) is not None:
        record.outcome = outcome


def note_stripe_request(request_id: str | None) -> None:
    """Stripe's id for its latest answer during this request; Stripe support asks for it."""
    if request_id and (record := _current.get()) is not None:
        record.stripe_request_id = request_id


def outcome_of(result: Redirect | Failure) -> str:
    """An action's result as a log name: "redirect", or the failure's message in snake_case
    ("Unauthorized" -> "unauthorized", "No subscription found" -> "no_subscription_found")."""
    if isinstance(result, Redirect):
        return "redirect"
    return "_".join(re.findall(r"[a-z0-9]+", result.message.lower().replace("'", "")))


def _write(record: RequestRecord, started: float) -> None:
    record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    logger.info(json.dumps(asdict(record)))


@contextlib.contextmanager
def logged_action(route: str) -> Iterator[RequestRecord]:
    """One line for a user action run by a Reflex event handler. Use it around the awaited
    action only (not around a `yield`), so the line's context stays the handler's own."""
    record = RequestRecord(kind="event", route=route)
    token = _current.set(record)
    started = time.perf_counter()
    try:
        yield record
    except BaseException:
        record.status, record.outcome = 500, record.outcome or "exception"
        raise
    finally:
        _current.reset(token)
        _write(record, started)


class RequestLogMiddleware:
    """ASGI middleware: a request id, the `X-Request-Id` header and one line per API request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LOGGED_PREFIX):
            await self.app(scope, receive, send)
            return
        record = RequestRecord(kind="api", route="unmatched", method=scope["method"])
        token = _current.set(record)
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, record.request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            record.status, record.outcome = 500, record.outcome or "exception"
            raise
        finally:
            _current.reset(token)
            # Starlette's router leaves the matched route in the scope: log its template, so an
            # unknown path someone made up never becomes a "route" in the logs.
            route = scope.get("route")
            if isinstance(route, Route):
                record.route = route.path
            _write(record, started)
