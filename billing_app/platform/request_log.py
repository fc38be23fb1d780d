"""One structured JSON line per API request, and per user action started from a page.

    {"kind": "api", "route": "/api/customer_portal", "method": "POST", "request_id": "9f0c...",
     "status": 200, "outcome": "redirect", "user_id": "5b6e...", "stripe_request_id": "req_...",
     "latency_ms": 41.7}

The HTTP middleware (`api.request_ids`) and `logged_action` (page events) open a line; code
below them adds what it learns (`note_user`, `note_outcome`, `note_stripe_request`) through a
contextvar. The line holds ids and names only: never an email, a token, a key, a query string or
a body. Lines go to stdout through their own handler, whatever the root logger's level.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from billing_app.platform.outcomes import Outcome

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


def note_outcome(outcome: Outcome) -> None:
    """What the request ended in, by the outcome's own name."""
    if (record := _current.get()) is not None:
        record.outcome = outcome.value


def note_stripe_request(request_id: str | None) -> None:
    """Stripe's id for its latest answer during this request; Stripe support asks for it."""
    if request_id and (record := _current.get()) is not None:
        record.stripe_request_id = request_id


def write(record: RequestRecord, started: float) -> None:
    record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    logger.info(json.dumps(vars(record)))  # the fields in order, without asdict()'s deep copy


@contextlib.contextmanager
def logged(record: RequestRecord) -> Iterator[RequestRecord]:
    """Make `record` the current line while the block runs, then write it. An exception marks
    its outcome "exception" (unless one was noted) and goes on."""
    token = _current.set(record)
    started = time.perf_counter()
    try:
        yield record
    except BaseException:
        record.outcome = record.outcome or "exception"
        raise
    finally:
        _current.reset(token)
        write(record, started)


def logged_action(route: str) -> contextlib.AbstractContextManager[RequestRecord]:
    """One line for a user action run by a Reflex event handler. Use it around the awaited
    action only (not around a `yield`), so the line's context stays the handler's own."""
    return logged(RequestRecord(kind="event", route=route))
