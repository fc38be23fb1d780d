"""What a page shows when one of its events fails before any handler runs: mostly Redis going
away (with REDIS_URL, Reflex keeps every tab's state there), which leaves no state to put a
message in, so the message is written into the page's own slot for it (messages.py
`unavailable_slot`) by a script. Anything else gets Reflex's own handler."""

# No `from __future__ import annotations`: Reflex checks this handler's annotations at start.

import json
import logging

import reflex as rx
from redis.exceptions import RedisError
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec

from billing_app.ui.components.messages import UNAVAILABLE_SLOT_ID

logger = logging.getLogger(__name__)

UNAVAILABLE = "The app is unavailable for a moment. Please try again shortly."
# Long enough to read; a second failure restarts the time rather than adding a message.
SHOWN_MS = 10_000
SHOW = """(() => {
  const slot = document.getElementById(%(id)s);
  if (!slot) return;
  slot.textContent = %(text)s;
  slot.hidden = false;
  clearTimeout(window.__appUnavailableTimer);
  window.__appUnavailableTimer = setTimeout(() => { slot.hidden = true; slot.textContent = ""; },
                                            %(ms)d);
})()"""


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
    """The page says UNAVAILABLE for SHOWN_MS, in its slot (role="alert")."""
    return rx.call_script(SHOW % {"id": json.dumps(UNAVAILABLE_SLOT_ID),
                                  "text": json.dumps(UNAVAILABLE), "ms": SHOWN_MS})


def on_backend_error(exception: Exception) -> EventSpec:
    """rx.App's backend_exception_handler: a clear message for a Redis outage, no stack trace."""
    if _caused_by_redis(exception):
        logger.warning("page event: Redis failed (%s): %s", type(exception).__name__, exception)
        return show_unavailable()
    return default_backend_exception_handler(exception)
