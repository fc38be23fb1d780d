"""Stripe events as the tests deliver them: taken from the Stripe stand-in's /v1/events and
signed with the webhook secret, as Stripe signs them."""

from __future__ import annotations

import json

import httpx
import stripe

from devstack.config import StackConfig


def signed(stack: StackConfig, body: str, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        body, stack.secrets.stripe_webhook_secret, timestamp=timestamp)


def events_for(stripe_client: stripe.StripeClient, subscription_id: str) -> list[dict]:
    """Every event the stand-in made about this subscription, oldest first, as the JSON Stripe
    would send."""
    found = []
    for event in stripe_client.v1.events.list(params={"limit": 100}).auto_paging_iter():
        data = event.to_dict(for_json=True)
        obj = data["data"]["object"]
        if obj.get("id") == subscription_id or obj.get("subscription") == subscription_id:
            found.append(data)
    found.reverse()  # Stripe lists newest first; `created` has one-second resolution
    return sorted(found, key=lambda e: e["created"])


def invoice_events_for(stripe_client: stripe.StripeClient, subscription_id: str,
                       event_type: str) -> list[dict]:
    """The `event_type` events (invoice.paid, ...) of invoices that bill this subscription,
    oldest first. In this API version an invoice names its subscription at
    `parent.subscription_details.subscription`."""
    found = []
    for event in stripe_client.v1.events.list(params={"type": event_type, "limit": 100}
                                              ).auto_paging_iter():
        data = event.to_dict(for_json=True)
        details = (data["data"]["object"].get("parent") or {}).get("subscription_details") or {}
        if details.get("subscription") == subscription_id:
            found.append(data)
    found.reverse()  # newest first, as listed; ties in `created` keep Stripe's order
    return sorted(found, key=lambda e: e["created"])


def post_event(app, body: str | bytes, signature: str | None) -> httpx.Response:
    """POST a body to the app's webhook route (`app` is an InProcessApp or a RunningApp)."""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return app.post("/api/webhooks/stripe", content=body, headers=headers)


def deliver(app, stack: StackConfig, events: list[dict]) -> list[str]:
    """Deliver events in order, signed; returns each answer's outcome."""
    outcomes = []
    for event in events:
        body = json.dumps(event)
        answer = post_event(app, body, signed(stack, body))
        assert answer.status_code == 200, answer.text
        outcomes.append(answer.json()["outcome"])
    return outcomes
