"""One-time codes that carry a new session from the sign-in handler to the cookie route.

The sign-in form is a Reflex event over the websocket, which can't set an HttpOnly cookie, so
the handler keeps the session under a random code (60 s, single use) and sends the browser to
`/api/auth/callback?code=...`, which takes it out and sets the cookies. With REDIS_URL the codes
wait in Redis (GETDEL: any instance may redeem, and two redemptions can't both win); without it
in this process, as Reflex then runs one worker. Redis failing raises `UpstreamError`.
"""

from __future__ import annotations

import json
import secrets
import time

from redis.exceptions import RedisError

from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError
from billing_app.session.supabase_auth import Session, User

CODE_TTL_S = 60
REDIS_KEY_PREFIX = "billing_app:sign_in_code:"

_pending: dict[str, tuple[float, Session]] = {}


def _to_json(session: Session) -> str:
    return json.dumps({
        "access_token": session.access_token,
        "refresh_token": session.refresh_token,
        "expires_at": session.expires_at,
        "user": {"id": session.user.id, "email": session.user.email},
    })


def _from_json(raw: bytes | str) -> Session:
    data = json.loads(raw)
    return Session(data["access_token"], data["refresh_token"], int(data["expires_at"]),
                   User(data["user"]["id"], data["user"]["email"]))


def _redis_failed(doing: str, exc: RedisError) -> str:
    return f"Redis failed {doing} a sign-in code: {type(exc).__name__}: {exc}"


async def issue(session: Session) -> str:
    """A new code that `redeem` turns back into `session`, once, within CODE_TTL_S."""
    code = secrets.token_urlsafe(32)
    redis = clients.redis()
    if redis is None:
        now = time.monotonic()
        for old in [c for c, (born, _) in _pending.items() if now - born > CODE_TTL_S]:
            _pending.pop(old, None)
        _pending[code] = (now, session)
        return code
    try:
        await redis.set(REDIS_KEY_PREFIX + code, _to_json(session), ex=CODE_TTL_S, nx=True)
    except RedisError as exc:
        raise UpstreamError(_redis_failed("storing", exc)) from exc
    return code


async def redeem(code: str | None) -> Session | None:
    """The session stored under `code`, once; None when unknown, used or expired."""
    if not code or len(code) > 128:
        return None
    redis = clients.redis()
    if redis is None:
        entry = _pending.pop(code, None)
        if entry is None or time.monotonic() - entry[0] > CODE_TTL_S:
            return None
        return entry[1]
    try:
        raw = await redis.getdel(REDIS_KEY_PREFIX + code)
    except RedisError as exc:
        raise UpstreamError(_redis_failed("redeeming", exc)) from exc
    return _from_json(raw) if raw is not None else None
