"""Who is this, and what is their subscription? The session check and the row read at once.

RLS scopes the row read by the caller's JWT, so it doesn't wait for the session check: a click
costs max(check, read) instead of their sum. The check still decides: a refused token means
NOT_AUTHENTICATED whatever the read returned, and so does PostgREST refusing the JWT itself.

Two strengths of check (session/supabase_auth.py):
- actions (portal, checkout; `user_action`) confirm the session with Auth on every call, so a
  signed-out session can't open Stripe;
- page loads (`load_account(token, locally=True)`, and the reads a page makes as it loads:
  `list_invoices(token, locally=True)`) check the signature against the project's JWKS and
  cost no Auth round trip; a signed-out token still reads its own row (and invoices) until it
  expires (SECURITY.md). Legacy HS256 projects get the Auth check either way.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from billing_app.billing import subscription
from billing_app.billing.subscription import Subscription
from billing_app.platform import clients, request_log
from billing_app.platform.outcomes import (
    NOT_AUTHENTICATED,
    Refusal,
    UpstreamError,
    guarded,
)
from billing_app.session import supabase_auth
from billing_app.session.supabase_auth import User


@dataclass(frozen=True)
class Account:
    user: User
    subscription: Subscription | None


P = ParamSpec("P")
R = TypeVar("R")

# PostgREST's answers to a JWT it won't take: invalid (a revoked signing key, ...), expired.
JWT_REFUSED = frozenset({"PGRST301", "PGRST302", "PGRST303"})


async def load_account(access_token: str | None, *, locally: bool = False
                       ) -> Account | Refusal:
    """The verified user and their row (or None), or NOT_AUTHENTICATED. `locally` checks the
    token against the JWKS instead of asking Auth. UpstreamError when Supabase fails."""
    if not access_token:
        return NOT_AUTHENTICATED
    check = supabase_auth.verify_locally if locally else supabase_auth.verify
    user, row = await asyncio.gather(
        check(access_token),
        subscription.read_own(access_token),
        return_exceptions=True,
    )
    if isinstance(user, BaseException):
        raise user
    if user is None:
        return NOT_AUTHENTICATED
    if isinstance(row, clients.RestRefused) and row.code in JWT_REFUSED:
        return NOT_AUTHENTICATED
    request_log.note_user(user.id)
    if isinstance(row, BaseException):
        raise row
    if row is not None and row.user_id != user.id:
        raise UpstreamError("the row read with the caller's token belongs to another user")
    return Account(user, row)


def user_action(name: str) -> Callable[[Callable[Concatenate[Account, P], Awaitable[R]]],
                                       Callable[..., Awaitable[R | Refusal]]]:
    """Make `action(account, ...)` a user action `(access token, ..., locally=False) -> result`:
    the account is loaded first (a refused token is NOT_AUTHENTICATED), and upstream failures
    become UPSTREAM_FAILED, logged under `name`. `locally=True` checks the token as a page load
    does: for reads a page makes as it loads (the invoices), never for what opens Stripe.
    Further arguments (the portal's flow and locale) pass through."""

    def wrap(action: Callable[Concatenate[Account, P], Awaitable[R]]
             ) -> Callable[..., Awaitable[R | Refusal]]:
        @guarded(name)
        @functools.wraps(action)
        async def run(access_token: str | None, *args: P.args, locally: bool = False,
                      **kwargs: P.kwargs) -> R | Refusal:
            account = await load_account(access_token, locally=locally)
            if isinstance(account, Refusal):
                return account
            return await action(account, *args, **kwargs)

        return run

    return wrap
