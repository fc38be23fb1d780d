"""A logging filter that takes credentials out of log lines: session cookie values (`sb-*`, with or
without `__Host-`/`__Secure-`), `code=` values, `Bearer` tokens, and anything shaped like a JWT.

Reflex logs a websocket event it can't route with everything in it, the handshake's Cookie and
Authorization headers and the page's query included. `install()` puts the filter on Reflex's and
the app's loggers (records are changed before any handler formats them) and on the handlers
already attached to them, so records from loggers made later pass through it too.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# Names whose values are credentials, in a cookie header, a query string or a dict/JSON dump.
_SECRET_NAMES = r"(?:__Host-|__Secure-)?sb-[A-Za-z0-9_-]+|code|access_token|refresh_token|nonce"
_PATTERNS = [
    # name=value (Cookie headers, query strings)
    re.compile(rf"(?<![A-Za-z0-9_-])((?:{_SECRET_NAMES})=)[^;&\s'\",)]+"),
    # 'name': 'value' and "name": "value" (dict reprs, JSON)
    re.compile(rf"""(['"](?:{_SECRET_NAMES})['"]\s*:\s*['"])[^'"]+"""),
    # Authorization: Bearer <token>
    re.compile(r"(\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
]
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")

# Every logger of these families gets the filter: Reflex's packages (reflex, reflex_base,
# reflex_components_...), the servers under it, and this app.
FAMILIES = ("reflex", "socketio", "engineio", "granian", "uvicorn", "billing_app")


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return _JWT.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites each record's message (and a traceback holding a secret) with `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # args that don't fit the message: logging reports it
            return True
        redacted = redact(message)
        if record.exc_info and record.exc_info[0] is not None:
            trace = logging.Formatter().formatException(record.exc_info)
            if redact(trace) != trace:
                # Handlers render exc_info themselves; only the redacted text may reach them.
                redacted, record.exc_info, record.exc_text = (
                    f"{redacted}\n{redact(trace)}", None, None)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = RedactSecrets()


def _add(target: logging.Logger | logging.Handler) -> None:
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)


def install() -> None:
    """Filter every existing logger of FAMILIES, and the handlers on them and on the root."""
    loggers = [logging.getLogger(name) for name in FAMILIES]
    loggers += [logger for name, logger in logging.root.manager.loggerDict.items()
                if isinstance(logger, logging.Logger) and name.startswith(FAMILIES)]
    for logger in [*loggers, logging.getLogger()]:
        _add(logger)
        for handler in logger.handlers:
            _add(handler)
