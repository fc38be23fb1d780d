"""Webhook endpoints: the stand-in's one delivery target (set with `PUT /__devstack/webhook`)
shown as Stripe shows an endpoint, so setup checks can read it; and their routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import resource_missing
from ..routes import LIST_PARAMS, Call, Route

if TYPE_CHECKING:
    from ..account import Account

ENDPOINT_ID = "we_devstack_default"


def endpoint_object(account: Account) -> dict[str, Any] | None:
    """The endpoint, or None while deliveries are off. `enabled_events` may be `["*"]`, as on
    Stripe, for every event type. The signing secret is never shown: Stripe reveals it only
    when an endpoint is created."""
    delivery = account.delivery
    if not delivery.url:
        return None
    return {
        "id": ENDPOINT_ID,
        "object": "webhook_endpoint",
        "api_version": None,
        "application": None,
        "created": delivery.configured_at,
        "description": "devstack: where the Stripe stand-in delivers its events",
        "enabled_events": list(delivery.enabled_events),
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": delivery.url,
    }


def _list(call: Call) -> dict[str, Any]:
    found = endpoint_object(call.account)
    return {"object": "list", "data": [found] if found else [], "has_more": False, "url": call.url}


def _retrieve(call: Call) -> dict[str, Any]:
    found = endpoint_object(call.account)
    if found is None or call.path["id"] != ENDPOINT_ID:
        raise resource_missing("webhook_endpoint", call.path["id"])
    return found


ROUTES = (
    Route("GET", "/v1/webhook_endpoints", "WebhookEndpointListParams", LIST_PARAMS, _list),
    Route(
        "GET", "/v1/webhook_endpoints/{id}", "WebhookEndpointRetrieveParams", (), _retrieve
    ),
)
