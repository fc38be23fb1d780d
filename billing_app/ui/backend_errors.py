"""What a page shows when one of its events fails before any handler runs: mostly Redis going
away (with REDIS_URL, Reflex keeps every tab's state there), which leaves no state to put a
message in. So the message is written by a script into the page's empty alert kept for it
(components/messages.unavailable_alert). Anything else gets Reflex's own handler."""

# No `from __future__ import annotations`: Reflex checks this handler's annotations at start.

import json
import logging

import reflex as rx
from redis.exceptions import RedisError
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec

logger = logging.getLogger(__name__)

UNAVAILABLE = "The app is unavailable for a moment. Please try again shortly."
# The id of the alert every page keeps empty for this message.
UNAVAILABLE_ID = "app-unavailable"


def _caused_by_redis(exception: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exception
    while current is not None and id(current) not in seen:
        if isinstance(current, RedisError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def show_unavailable() -> EventSpec:
    """Put UNAVAILABLE into the page's alert (announced: it is a role="alert" live region)."""
    return rx.call_script(
        f"document.getElementById({json.dumps(UNAVAILABLE_ID)})"
        f"?.replaceChildren({json.dumps(UNAVAILABLE)})"
    )


def on_backend_error(exception: Exception) -> EventSpec:
    """rx.App's backend_exception_handler: a clear message for a Redis outage, no stack trace."""
    if _caused_by_redis(exception):
        logger.warning("page event: Redis failed (%s): %s", type(exception).__name__, exception)
        return show_unavailable()
    return default_backend_exception_handler(exception)
