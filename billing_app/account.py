"""Who is this, and what is their subscription? Both Supabase calls at once.

RLS scopes the row read by the caller's JWT, so it doesn't wait for the auth check: the two run
concurrently and a click costs max(auth, read) instead of their sum. The auth answer still
decides: a refused token means "not authenticated" whatever the read returned.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from billing_app import auth, request_log, subscriptions
from billing_app.outcomes import NOT_AUTHENTICATED, Failure, UpstreamError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Account:
    user: auth.User
    subscription: subscriptions.Subscription | None


async def load_account(access_token: str | None) -> Account | Failure:
    """The verified user and their row (or None), or NOT_AUTHENTICATED. UpstreamError when
    Supabase fails."""
    if not access_token:
        return NOT_AUTHENTICATED
    user, row = await asyncio.gather(
        auth.verify(access_token),
        subscriptions.read_own(access_token),
        return_exceptions=True,
    )
    if isinstance(user, BaseException):
        raise user
    if user is None:
        return NOT_AUTHENTICATED
    request_log.note_user(user.id)
    if isinstance(row, BaseException):
        raise row
    if row is not None and row.user_id != user.id:
        raise UpstreamError("the row read with the caller's token belongs to another user")
    return Account(user, row)


async def load_account_for(action: str, access_token: str | None,
                           upstream_failed: Failure) -> Account | Failure:
    """`load_account` for a user action: a Supabase failure is logged and becomes the action's
    own documented 500 (`upstream_failed`)."""
    try:
        return await load_account(access_token)
    except UpstreamError as exc:
        logger.warning("%s: Supabase failed: %s", action, exc)
        return upstream_failed
