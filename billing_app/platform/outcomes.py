"""What actions end in, as named values; only the edges turn them into statuses, messages or log names.

An action returns `Redirect` when it worked or a `Refusal` naming why not. Lower layers raise
`UpstreamError` when Supabase, Stripe or Redis fails; `guarded` turns that (and any Stripe error)
into the `UPSTREAM_FAILED` refusal, so every caller of an action sees the same outcome, except
`UpstreamRateLimited` (Supabase answered 429), which becomes RATE_LIMITED with its wait.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, ParamSpec, TypeVar

import stripe

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    """Every outcome by name. The value is what the request log and the webhook's body show."""

    # user actions (portal and its flows, checkout, resume, invoices)
    REDIRECT = "redirect"
    RESUMED = "resumed"
    LISTED = "listed"
    UNKNOWN_PRICE = "unknown_price"
    NOT_AUTHENTICATED = "not_authenticated"
    NO_SUBSCRIPTION = "no_subscription"
    ALREADY_SUBSCRIBED = "already_subscribed"
    UNKNOWN_FLOW = "unknown_flow"
    CANCELLATION_SCHEDULED = "cancellation_scheduled"
    RATE_LIMITED = "rate_limited"
    UPSTREAM_FAILED = "upstream_failed"
    # the session
    SIGNED_IN = "signed_in"
    WRONG_CREDENTIALS = "wrong_credentials"
    TOO_MANY_SIGN_INS = "too_many_sign_ins"
    CODE_EXPIRED = "code_expired"
    OTHER_BROWSER = "other_browser"
    RENEWED = "renewed"
    REFRESH_REFUSED = "refresh_refused"
    NEEDS_RENEWAL = "needs_renewal"
    SIGNED_OUT = "signed_out"
    # Stripe's webhooks
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    KEPT = "kept"
    IGNORED = "ignored"
    CATALOGUE_CHANGED = "catalogue_changed"
    UNMAPPED = "unmapped"
    UNKNOWN_USER = "unknown_user"
    SUBSCRIPTION_MISSING = "subscription_missing"
    INVALID_SIGNATURE = "invalid_signature"
    INVALID_PAYLOAD = "invalid_payload"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    # health, and requests no route takes
    OK = "ok"
    READY = "ready"
    UNAVAILABLE = "unavailable"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # requests the browser sent for another site or origin (CSRF), refused at the edge
    CROSS_SITE = "cross_site"


@dataclass(frozen=True)
class Redirect:
    """Send the user to `url` (a Stripe-hosted page)."""

    url: str
    outcome: ClassVar[Outcome] = Outcome.REDIRECT


@dataclass(frozen=True)
class Refusal:
    """Why an action did not go ahead; `retry_after_s` comes with RATE_LIMITED."""

    outcome: Outcome
    retry_after_s: int | None = None


NOT_AUTHENTICATED = Refusal(Outcome.NOT_AUTHENTICATED)
NO_SUBSCRIPTION = Refusal(Outcome.NO_SUBSCRIPTION)
ALREADY_SUBSCRIBED = Refusal(Outcome.ALREADY_SUBSCRIBED)
UNKNOWN_PRICE = Refusal(Outcome.UNKNOWN_PRICE)
UNKNOWN_FLOW = Refusal(Outcome.UNKNOWN_FLOW)
CANCELLATION_SCHEDULED = Refusal(Outcome.CANCELLATION_SCHEDULED)
UPSTREAM_FAILED = Refusal(Outcome.UPSTREAM_FAILED)


# A user action (portal, checkout): the caller's access token in, a named result out.
UserAction = Callable[[str | None], Awaitable[Redirect | Refusal]]


def rate_limited(retry_after_s: int) -> Refusal:
    return Refusal(Outcome.RATE_LIMITED, retry_after_s)


class UpstreamError(Exception):
    """Supabase, Stripe or Redis failed or answered something unusable. The message is for the
    server log: it names the service and the cause, never a token or a key."""


class UpstreamRateLimited(UpstreamError):
    """The upstream answered 429: try again after `retry_after_s` seconds."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def describe_stripe_error(exc: stripe.StripeError) -> str:
    """A Stripe failure for the log: its kind, message, code and request id (never the key).
    The code is `stripe_code=`: a bare `code=` is a sign-in code to the log's redaction
    (platform/log_redaction.py), which would hide it."""
    return (f"{type(exc).__name__} {exc.user_message!r} (stripe_code={exc.code}, "
            f"status={exc.http_status}, request={exc.request_id})")


P = ParamSpec("P")
R = TypeVar("R")


def guarded(name: str) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R | Refusal]]]:
    """Wrap the action `name`: an upstream failure is logged under that name and becomes
    UPSTREAM_FAILED (RATE_LIMITED, with the wait, when Supabase answered 429). Anything else is
    a bug and propagates to the edge."""

    def wrap(action: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | Refusal]]:
        @functools.wraps(action)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R | Refusal:
            try:
                return await action(*args, **kwargs)
            except UpstreamRateLimited as exc:
                logger.warning("%s: %s", name, exc)
                return rate_limited(exc.retry_after_s)
            except UpstreamError as exc:
                logger.warning("%s: %s", name, exc)
            except stripe.StripeError as exc:
                logger.warning("%s: Stripe failed: %s", name, describe_stripe_error(exc))
            return UPSTREAM_FAILED

        return run

    return wrap
