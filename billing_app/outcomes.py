"""What a user action ends in, as values with names.

An action returns `Redirect` when it worked, or one of the `Failure` values below. Each front
door only translates: the API turns a Failure into its status and `{"error": message}` (plus
`Retry-After` for a `RateLimited`), the page turns it into a toast (or a trip to the sign-in
page). Lower layers raise `UpstreamError`
when Supabase or Stripe fails; the action turns that into its own documented 500.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Redirect:
    """Send the user to `url` (a Stripe-hosted page)."""

    url: str


@dataclass(frozen=True)
class Failure:
    status: int
    message: str


@dataclass(frozen=True)
class RateLimited(Failure):
    """Too many tries for now: the user may try again in `retry_after_s` seconds (the API sends
    it as `Retry-After`)."""

    retry_after_s: int = 60


NOT_AUTHENTICATED = Failure(401, "Unauthorized")
NO_SUBSCRIPTION = Failure(404, "No subscription found")
PORTAL_FAILED = Failure(500, "Failed to create portal session")
# Returned with the actual wait: `dataclasses.replace(TOO_MANY_REQUESTS, retry_after_s=...)`.
TOO_MANY_REQUESTS = RateLimited(429, "Too many requests")
ALREADY_SUBSCRIBED = Failure(409, "Already subscribed")
CHECKOUT_FAILED = Failure(500, "Failed to create checkout session")


class UpstreamError(Exception):
    """Supabase or Stripe failed or answered something unusable. The message is for the server
    log: it names the service and the cause, never a token or a key."""
