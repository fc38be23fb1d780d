"""One-time codes that carry a new session from the sign-in handler to the cookie route, each bound
to the browser that signed in.

The sign-in form is a Reflex event over the websocket, which can't set an HttpOnly cookie, so
the handler keeps the session under a random code (60 s, single use) and sends the browser to
`/api/auth/callback?code=...`, which takes it out and sets the cookies. A code alone is not
enough: `issue` also makes a nonce, which the sign-in page puts in a cookie of that browser
before it navigates, and only its hash is kept with the session. A code that reaches the callback
from any other browser (login CSRF: an attacker's own code sent to a victim) has no matching
nonce, and is spent without signing anyone in.

With REDIS_URL the codes wait in Redis (GETDEL: any instance may redeem, and two redemptions
can't both win); without it in this process, as Reflex then runs one worker. Redis failing
raises `UpstreamError`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from redis.exceptions import RedisError

from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError
from billing_app.session.supabase_auth import Session, User

CODE_TTL_S = 60
REDIS_KEY_PREFIX = "billing_app:sign_in_code:"


@dataclass(frozen=True)
class Ticket:
    """What the sign-in handler hands the browser: the code for the callback's URL, and the
    nonce for the browser's cookie."""

    code: str
    nonce: str


@dataclass(frozen=True)
class Pending:
    session: Session
    nonce_hash: str

    def belongs_to(self, nonce: str | None) -> bool:
        """Whether the browser that brought the code holds the nonce it was issued with."""
        return bool(nonce) and hmac.compare_digest(self.nonce_hash, _hash(nonce or ""))


_pending: dict[str, tuple[float, Pending]] = {}


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _to_json(pending: Pending) -> str:
    session = pending.session
    return json.dumps({
        "access_token": session.access_token,
        "refresh_token": session.refresh_token,
        "expires_at": session.expires_at,
        "user": {"id": session.user.id, "email": session.user.email},
        "nonce_hash": pending.nonce_hash,
    })


def _from_json(raw: bytes | str) -> Pending:
    data = json.loads(raw)
    session = Session(data["access_token"], data["refresh_token"], int(data["expires_at"]),
                      User(data["user"]["id"], data["user"]["email"]))
    return Pending(session, data["nonce_hash"])


def _redis_failed(doing: str, exc: RedisError) -> str:
    return f"Redis failed {doing} a sign-in code: {type(exc).__name__}: {exc}"


async def issue(session: Session) -> Ticket:
    """A new code that `redeem` turns back into `session`, once, within CODE_TTL_S; and the
    nonce that the redeeming browser must hold."""
    ticket = Ticket(secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    pending = Pending(session, _hash(ticket.nonce))
    redis = clients.redis()
    if redis is None:
        now = time.monotonic()
        for old in [c for c, (born, _) in _pending.items() if now - born > CODE_TTL_S]:
            _pending.pop(old, None)
        _pending[ticket.code] = (now, pending)
        return ticket
    try:
        await redis.set(REDIS_KEY_PREFIX + ticket.code, _to_json(pending), ex=CODE_TTL_S,
                        nx=True)
    except RedisError as exc:
        raise UpstreamError(_redis_failed("storing", exc)) from exc
    return ticket


async def redeem(code: str | None) -> Pending | None:
    """What was stored under `code`, once; None when unknown, used or expired."""
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
