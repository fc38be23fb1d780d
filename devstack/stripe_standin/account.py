"""The Stripe account the stand-in plays: its store, its webhook delivery and its public address."""

from __future__ import annotations

import asyncio
from typing import Any

from .errors import resource_missing
from .store import Store, StripeState
from .webhook_delivery import WebhookDelivery


class Account:
    """What every resource module works on; the API routes and the hosted pages share it."""

    def __init__(self, store: Store, delivery: WebhookDelivery, public_base: str) -> None:
        self.store = store
        self.delivery = delivery
        self.public_base = public_base.rstrip("/")  # where the hosted pages' links point

    @property
    def state(self) -> StripeState:
        """The current state (a reset replaces it, so never keep it)."""
        return self.store.state

    def now(self) -> int:
        """The stand-in's clock: real time, moved on by `POST /__devstack/clock`."""
        return self.state.now()

    @property
    def lock(self) -> asyncio.Lock:
        return self.store.lock

    def get(
        self, collection: str, kind: str, object_id: Any, *, param: str = "id", status: int = 404
    ) -> dict[str, Any]:
        """A stored object, or Stripe's "No such <kind>": 404 for an id in the path, 400 for one
        given as a parameter."""
        found = (
            getattr(self.state, collection).get(object_id) if isinstance(object_id, str) else None
        )
        if found is None:
            raise resource_missing(kind, str(object_id), param=param, status=status)
        return found
