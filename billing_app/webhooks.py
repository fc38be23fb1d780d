"""Stripe's signed webhooks keep `user_subscriptions` true to Stripe.

`handle_stripe_webhook(payload, signature)` is the whole of `POST /api/webhooks/stripe`:

1. Verify the raw body against STRIPE_WEBHOOK_SECRET (stripe's `construct_event`, 300 s
   tolerance). A missing, bad or stale signature is 400 and nothing is read or written.
2. Ignore, with 200, every event type but the four below.
3. Skip an event already applied (its id is recorded), so a redelivery changes nothing.
4. Find the user: `client_reference_id` for a completed Checkout Session; for subscription
   events the row that already holds the customer, else the subscription's metadata.user_id.
5. Re-read the subscription from Stripe, and write the row as Stripe has it now.
6. Write through the service role, in one transaction that also records the event id
   (`admin.apply_subscription`). Any failure is 500, with nothing written, so Stripe retries.

Why re-read rather than trust the event's copy: Stripe doesn't deliver events in order, and
their `created` times have one-second resolution, so two changes in the same second can't be
ordered from the events alone. A fresh read is Stripe's current state whatever event prompted
it, so events arriving late, twice or shuffled all converge on the same row. The read's start
time goes with the row as `stripe_synced_at`, and the database refuses a row read earlier than
the one it holds, so a slow handler can't put an older view back after a newer one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stripe

from billing_app import admin, clients, request_log
from billing_app.outcomes import UpstreamError
from billing_app.settings import get_settings
from billing_app.subscription_rows import EXPAND, row_from_subscription

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_S = 300
HANDLED_EVENTS = frozenset({
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
})


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


INVALID_SIGNATURE = WebhookAnswer(400, {"error": "Invalid signature"})
INVALID_PAYLOAD = WebhookAnswer(400, {"error": "Invalid payload"})
HANDLING_FAILED = WebhookAnswer(500, {"error": "Webhook handling failed"})


def _received(outcome: str) -> WebhookAnswer:
    return WebhookAnswer(200, {"received": True, "outcome": outcome})


def _user_id(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


def _id_of(value: Any) -> str | None:
    """An object's id, whether Stripe sent the id or the expanded object."""
    if isinstance(value, str):
        return value
    return value.get("id") if value is not None else None


def _well_formed(event: stripe.Event) -> bool:
    """A correctly signed body can still be no event at all: check the fields we rely on."""
    raw = event.to_dict()
    data = raw.get("data")
    return (
        isinstance(raw.get("id"), str)
        and isinstance(raw.get("type"), str)
        and isinstance(raw.get("created"), int)
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
        and isinstance(data["object"].get("id"), str)
    )


async def _target(event: stripe.Event) -> tuple[str, str] | None:
    """(subscription id, user id) this event is about, or None when it names none."""
    obj = event.data.object.to_dict()
    if event.type == "checkout.session.completed":
        subscription_id = _id_of(obj.get("subscription"))
        if obj.get("mode") != "subscription" or not subscription_id:
            return None
        user_id = _user_id(obj.get("client_reference_id"))
        return (subscription_id, user_id) if user_id else None
    customer_id = _id_of(obj.get("customer"))
    user_id = await admin.user_for_customer(customer_id) if customer_id else None
    user_id = user_id or _user_id((obj.get("metadata") or {}).get("user_id"))
    return (obj["id"], user_id) if user_id else None


async def handle_stripe_webhook(payload: bytes, signature: str | None) -> WebhookAnswer:
    try:
        event = clients.stripe().construct_event(
            payload, signature, get_settings().stripe_webhook_secret, SIGNATURE_TOLERANCE_S
        )
    except stripe.SignatureVerificationError:
        return INVALID_SIGNATURE
    except (ValueError, RecursionError):
        return INVALID_PAYLOAD  # not UTF-8, not JSON, or nested too deep to parse
    except (AttributeError, TypeError):
        # Signed JSON that isn't an object ([], "text", 5): stripe's event builder calls
        # `.get` on it. Stripe never sends one, but a correct signature doesn't make it an event.
        return INVALID_PAYLOAD
    if not _well_formed(event):
        return INVALID_PAYLOAD
    if event.type not in HANDLED_EVENTS:
        return _received("ignored")

    log = {"event": event.id, "type": event.type}
    try:
        if await admin.event_seen(event.id):
            return _received("duplicate")
        target = await _target(event)
        if target is None:
            logger.warning("webhook: no user for this event; nothing written %s", log)
            return _received("unmapped")
        subscription_id, user_id = target
        request_log.note_user(user_id)
        read_at = datetime.now(UTC)
        subscription = await clients.stripe().v1.subscriptions.retrieve_async(
            subscription_id, params={"expand": EXPAND}
        )
        row = row_from_subscription(user_id, subscription, read_at)
        outcome = await admin.apply_subscription(
            event.id, event.type, datetime.fromtimestamp(event.created, UTC), row
        )
    except admin.UnknownUser:
        logger.warning("webhook: the event's user does not exist; nothing written %s", log)
        return _received("unknown_user")
    except stripe.InvalidRequestError as exc:
        if exc.code == "resource_missing":
            logger.warning("webhook: Stripe no longer has the subscription %s", log)
            return _received("subscription_missing")
        logger.error("webhook: Stripe refused the read (%s) %s", exc.code, log)
        return HANDLING_FAILED
    except stripe.StripeError as exc:
        logger.error("webhook: Stripe failed: %s %s", type(exc).__name__, log)
        return HANDLING_FAILED
    except UpstreamError as exc:
        logger.error("webhook: Supabase failed: %s %s", exc, log)
        return HANDLING_FAILED
    logger.info("webhook: %s %s", outcome, log)
    return _received(outcome)
