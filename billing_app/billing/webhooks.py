"""Stripe's signed webhooks keep `user_subscriptions` true to Stripe.

`handle_stripe_webhook(payload, signature)` is the whole of `POST /api/webhooks/stripe`:

1. Verify the raw body against STRIPE_WEBHOOK_SECRET (stripe's `construct_event`, 300 s
   tolerance). A missing, bad or stale signature is INVALID_SIGNATURE; nothing is read or
   written.
2. Ignore every event type but those below (and invoices of no subscription). A catalogue event
   (a product or price changed) only drops the plan picker's kept catalogue; the steps below
   are for subscription and invoice events.
3. Skip an event already applied (its id is recorded), so a redelivery changes nothing.
4. Find the subscription and its user: for a completed Checkout Session its subscription and
   `client_reference_id`; for subscription events the subscription itself, and for invoice
   events (a failed or paid payment moves the status) the invoice's subscription, each with
   the user of the row that already holds the customer, else the subscription's
   metadata.user_id.
5. Re-read the subscription from Stripe, and write the row as Stripe has it now.
6. Write through the service role, in one transaction that also records the event id
   (`admin.apply_subscription`). Any failure is UPSTREAM_FAILED, with nothing written, so
   the route answers 500 and Stripe retries.

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
from datetime import UTC, datetime
from typing import Any

import stripe

from billing_app.billing import admin, catalogue
from billing_app.billing.subscription import Subscription, fetch_from_stripe, id_of
from billing_app.platform import clients, request_log
from billing_app.platform.outcomes import Outcome, UpstreamError, describe_stripe_error
from billing_app.platform.settings import get_settings

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_S = 300
INVOICE_EVENTS = frozenset({"invoice.payment_failed", "invoice.paid"})
SUBSCRIPTION_EVENTS = frozenset({
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    *INVOICE_EVENTS,
})
# A change to the catalogue: the plan picker's kept copy is dropped (billing/catalogue.py).
CATALOGUE_EVENTS = frozenset({
    "product.created", "product.updated", "product.deleted",
    "price.created", "price.updated", "price.deleted",
})
HANDLED_EVENTS = SUBSCRIPTION_EVENTS | CATALOGUE_EVENTS


def _user_id(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


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


def verify(payload: bytes, signature: str | None) -> stripe.Event | Outcome:
    """The event, if Stripe signed this body and it is one; else INVALID_SIGNATURE or
    INVALID_PAYLOAD."""
    try:
        event = clients.stripe().construct_event(
            payload, signature, get_settings().stripe_webhook_secret.get_secret_value(),
            SIGNATURE_TOLERANCE_S,
        )
    except stripe.SignatureVerificationError:
        return Outcome.INVALID_SIGNATURE
    except (ValueError, RecursionError):
        return Outcome.INVALID_PAYLOAD  # not UTF-8, not JSON, or nested too deep to parse
    except (AttributeError, TypeError):
        # Signed JSON that isn't an object ([], "text", 5): stripe's event builder calls
        # `.get` on it. Stripe never sends one, but a correct signature doesn't make it an event.
        return Outcome.INVALID_PAYLOAD
    return event if _well_formed(event) else Outcome.INVALID_PAYLOAD


def invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The subscription an invoice bills, and that subscription's metadata (as the invoice
    copies it). This API version names it at `parent.subscription_details`; older versions,
    which an endpoint may still be pinned to, at the top-level `subscription`."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    older = invoice.get("subscription_details") or {}
    subscription = details.get("subscription") or invoice.get("subscription")
    return id_of(subscription), details.get("metadata") or older.get("metadata") or {}


def _billing_no_subscription(event: stripe.Event) -> bool:
    """A paid or failed invoice of no subscription (a one-off invoice): nothing to keep true."""
    return event.type in INVOICE_EVENTS and not invoice_subscription(
        event.data.object.to_dict())[0]


async def target(event: stripe.Event) -> tuple[str, str] | None:
    """(subscription id, user id) this event is about, or None when it names none."""
    obj = event.data.object.to_dict()
    if event.type == "checkout.session.completed":
        subscription_id = id_of(obj.get("subscription"))
        if obj.get("mode") != "subscription" or not subscription_id:
            return None
        user_id = _user_id(obj.get("client_reference_id"))
        return (subscription_id, user_id) if user_id else None
    if event.type in INVOICE_EVENTS:
        subscription_id, metadata = invoice_subscription(obj)
    else:
        subscription_id, metadata = obj["id"], obj.get("metadata") or {}
    if not subscription_id:
        return None
    customer_id = id_of(obj.get("customer"))
    user_id = await admin.user_for_customer(customer_id) if customer_id else None
    user_id = user_id or _user_id(metadata.get("user_id"))
    return (subscription_id, user_id) if user_id else None


async def _apply(event: stripe.Event, log: dict[str, str]) -> Outcome:
    if await admin.event_seen(event.id):
        return Outcome.DUPLICATE
    about = await target(event)
    if about is None:
        logger.warning("webhook: no user for this event; nothing written %s", log)
        return Outcome.UNMAPPED
    subscription_id, user_id = about
    request_log.note_user(user_id)
    read_at = datetime.now(UTC)
    current = await fetch_from_stripe(subscription_id)
    row = Subscription.from_stripe(user_id, current).to_row(synced_at=read_at)
    return await admin.apply_subscription(
        event.id, event.type, datetime.fromtimestamp(event.created, UTC), row
    )


async def handle_stripe_webhook(payload: bytes, signature: str | None) -> Outcome:
    """The whole of `POST /api/webhooks/stripe`, as a named outcome."""
    event = verify(payload, signature)
    if isinstance(event, Outcome):
        return event
    if event.type not in HANDLED_EVENTS or _billing_no_subscription(event):
        return Outcome.IGNORED
    if event.type in CATALOGUE_EVENTS:
        catalogue.forget()
        logger.info("webhook: the catalogue changed (%s); the plans are read again", event.type)
        return Outcome.CATALOGUE_CHANGED
    log = {"event": event.id, "type": event.type}
    try:
        outcome = await _apply(event, log)
    except admin.UnknownUser:
        logger.warning("webhook: the event's user does not exist; nothing written %s", log)
        return Outcome.UNKNOWN_USER
    except stripe.InvalidRequestError as exc:
        if exc.code == "resource_missing":
            logger.warning("webhook: Stripe no longer has the subscription %s", log)
            return Outcome.SUBSCRIPTION_MISSING
        logger.error("webhook: Stripe refused the read: %s %s", describe_stripe_error(exc), log)
        return Outcome.UPSTREAM_FAILED
    except stripe.StripeError as exc:
        logger.error("webhook: Stripe failed: %s %s", describe_stripe_error(exc), log)
        return Outcome.UPSTREAM_FAILED
    except UpstreamError as exc:
        logger.error("webhook: Supabase failed: %s %s", exc, log)
        return Outcome.UPSTREAM_FAILED
    logger.info("webhook: %s %s", outcome, log)
    return outcome
