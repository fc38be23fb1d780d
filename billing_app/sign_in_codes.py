"""One-time codes that carry a new session from the sign-in handler to the cookie route.

The sign-in form is a Reflex event over the websocket, which can't set an HttpOnly cookie. So
the handler keeps the session here under a random code and sends the browser to
`/api/auth/callback?code=...`, which takes the session out (once) and sets the cookies: the
same hand-over as Supabase's own `/auth/callback`. Codes live 60 seconds and work once.

The codes live in this process. Without Redis, Reflex runs one backend worker, so the handler
and the route always meet here.
"""

from __future__ import annotations

import secrets
import time

from billing_app.auth import Session

CODE_TTL_S = 60

_pending: dict[str, tuple[float, Session]] = {}


def issue(session: Session) -> str:
    now = time.monotonic()
    for code in [c for c, (born, _) in _pending.items() if now - born > CODE_TTL_S]:
        _pending.pop(code, None)
    code = secrets.token_urlsafe(32)
    _pending[code] = (now, session)
    return code


def redeem(code: str | None) -> Session | None:
    """The session stored under `code`, once; None when unknown, used or expired."""
    if not code:
        return None
    entry = _pending.pop(code, None)
    if entry is None or time.monotonic() - entry[0] > CODE_TTL_S:
        return None
    return entry[1]
