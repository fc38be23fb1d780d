"""Events and their webhooks: creating Event objects, signing them, delivering them with retries.

Every change the stand-in makes is published as an Event (kept for `GET /v1/events`). While a
webhook URL is configured, the event is also queued for delivery to it:

- The body is the event's JSON, pretty-printed as Stripe sends it, and signed the way Stripe signs:
  `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the whsec_ secret>`,
  with a fresh timestamp on every attempt. `stripe.Webhook.construct_event` accepts it.
- Each endpoint URL has one worker that sends events one at a time in creation order, so an
  endpoint sees `customer.subscription.created` before the `.updated` that follows it.
- A non-2xx answer or a connection error is retried after each of `retry_delays` seconds
  (0.5, 1, 2, 4, 8 by default: six attempts in all); then the delivery is marked failed and the
  next event goes out. Every attempt is recorded (`GET /__devstack/deliveries`).
- Delivery never holds up the API response that caused the event.

Pending deliveries are saved with the state and resume after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from . import objects
from .clock import now
from .store import Store

log = logging.getLogger("devstack.stripe.webhooks")

DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


@dataclass(frozen=True)
class Origin:
    """What caused a change: an API request (its id and idempotency key) or nothing (the hosted
    pages, or time passing), as Stripe records it in `event.request`."""

    request_id: str | None = None
    idempotency_key: str | None = None


AUTOMATIC = Origin()


def sign(payload: str, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value for `payload` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_payload(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2)


class Webhooks:
    """Publishes events into the store and delivers them to the configured endpoint."""

    def __init__(
        self,
        store: Store,
        secret: str,
        url: str | None,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = 10.0,
        enabled_events: Iterable[str] = ("*",),
    ) -> None:
        self.store = store
        self.secret = secret
        self.url = url
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.enabled_events = list(enabled_events)
        self._queues: dict[str, asyncio.Queue[str]] = {}
        self._workers: dict[str, asyncio.Task] = {}
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._client: httpx.AsyncClient | None = None
        self._started = False

    # --- settings ---------------------------------------------------------------------------
    def configure(
        self,
        *,
        url: str | None,
        enabled_events: Iterable[str] | None = None,
        retry_delays: Sequence[float] | None = None,
    ) -> None:
        self.url = url
        if enabled_events is not None:
            self.enabled_events = list(enabled_events)
        if retry_delays is not None:
            self.retry_delays = tuple(retry_delays)

    def describe(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "enabled_events": self.enabled_events,
            "retry_delays": list(self.retry_delays),
        }

    def accepts(self, event_type: str) -> bool:
        return bool(self.url) and ("*" in self.enabled_events or event_type in self.enabled_events)

    # --- publishing -------------------------------------------------------------------------
    def publish(
        self,
        event_type: str,
        data_object: dict[str, Any],
        *,
        origin: Origin = AUTOMATIC,
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record an event about `data_object` (a snapshot is taken) and queue its delivery."""
        state = self.store.state
        deliver = self.accepts(event_type)
        event = objects.event(
            event_type=event_type,
            created=now(),
            data_object=json.loads(json.dumps(data_object)),
            previous_attributes=previous_attributes,
            request_id=origin.request_id,
            idempotency_key=origin.idempotency_key,
            pending_webhooks=1 if deliver else 0,
        )
        state.events[event["id"]] = event
        if deliver:
            assert self.url is not None
            state.deliveries[event["id"]] = {
                "event": event["id"],
                "type": event_type,
                "url": self.url,
                "created": event["created"],
                "status": "pending",
                "attempts": [],
            }
            self._enqueue(self.url, event["id"])
        self.store.changed()
        return event

    def _enqueue(self, url: str, event_id: str) -> None:
        self._pending += 1
        self._idle.clear()
        queue = self._queues.get(url)
        if queue is None:
            queue = self._queues[url] = asyncio.Queue()
        queue.put_nowait(event_id)
        if self._started and url not in self._workers:
            self._workers[url] = asyncio.get_running_loop().create_task(self._work(url, queue))

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        """Start sending; deliveries left pending by a previous run go out first, in order."""
        self._client = httpx.AsyncClient(timeout=self.timeout)
        self._started = True
        for event_id, record in list(self.store.state.deliveries.items()):
            if record["status"] == "pending":
                self._enqueue(record["url"], event_id)
        loop = asyncio.get_running_loop()
        for url, queue in self._queues.items():
            if url not in self._workers:
                self._workers[url] = loop.create_task(self._work(url, queue))

    async def stop(self) -> None:
        self._started = False
        await self._cancel_workers()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _cancel_workers(self) -> None:
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        self._queues.clear()
        self._pending = 0
        self._idle.set()

    async def reset(self) -> None:
        """Forget everything queued (the store is being reset)."""
        await self._cancel_workers()

    async def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or being retried; False if `timeout` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def pending(self) -> int:
        return self._pending

    # --- delivery ---------------------------------------------------------------------------
    async def _work(self, url: str, queue: asyncio.Queue[str]) -> None:
        while True:
            event_id = await queue.get()
            try:
                await self._deliver(url, event_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not stop later deliveries
                log.exception("delivering %s to %s failed unexpectedly", event_id, url)
            finally:
                self._pending -= 1
                if self._pending <= 0:
                    self._pending = 0
                    self._idle.set()

    async def _deliver(self, url: str, event_id: str) -> None:
        assert self._client is not None
        attempts_allowed = len(self.retry_delays) + 1
        number = 0
        while True:
            state = self.store.state
            record = state.deliveries.get(event_id)
            event = state.events.get(event_id)
            if record is None or event is None or record["status"] != "pending":
                return  # reset, or already settled
            number = len(record["attempts"]) + 1
            payload = event_payload(event)
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "Stripe-Signature": sign(payload, self.secret, timestamp),
                "Cache-Control": "no-cache",
                "Accept": "*/*; q=0.5, application/xml",
            }
            started = time.monotonic()
            attempt: dict[str, Any] = {"attempt": number, "at": timestamp}
            try:
                response = await self._client.post(url, content=payload.encode(), headers=headers)
                attempt["status_code"] = response.status_code
                attempt["response_body"] = response.text[:500]
                ok = 200 <= response.status_code < 300
            except httpx.HTTPError as exc:
                attempt["status_code"] = None
                attempt["error"] = f"{type(exc).__name__}: {exc}".strip()
                ok = False
            attempt["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
            record["attempts"].append(attempt)
            if ok:
                record["status"] = "delivered"
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
                self.store.changed()
                return
            if number >= attempts_allowed:
                record["status"] = "failed"
                self.store.changed()
                log.warning(
                    "webhook %s (%s) to %s failed after %d attempts",
                    event_id,
                    event["type"],
                    url,
                    number,
                )
                return
            self.store.changed()
            await asyncio.sleep(self.retry_delays[min(number - 1, len(self.retry_delays) - 1)])
