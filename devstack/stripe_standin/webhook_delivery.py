"""Signed webhook delivery: one worker per endpoint URL, events in creation order, retries."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

import httpx

from .store import Store

log = logging.getLogger("devstack.stripe.webhooks")

DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign(payload: str, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header for `payload` sent at `timestamp`, signed as Stripe signs:
    `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<payload>" keyed by the whsec_ secret>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class WebhookDelivery:
    """Delivers queued events to the configured endpoint and records every attempt.

    The body is the event's JSON, pretty-printed as Stripe sends it, signed with a fresh
    timestamp on every attempt. Each URL has one worker sending events one at a time in creation
    order, so an endpoint sees `customer.subscription.created` before the `.updated` that follows
    it. A non-2xx answer or a connection error is retried after each of `retry_delays` seconds,
    then the delivery is marked failed and the next event goes out. Delivery never holds up the
    API response that caused the event; pending deliveries are saved with the state and resume
    after a restart.
    """

    def __init__(
        self,
        store: Store,
        secret: str,
        url: str | None,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = 10.0,
    ) -> None:
        self.store = store
        self.secret = secret
        self.url = url
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.enabled_events = ["*"]
        self.configured_at = int(time.time())
        self._queues: dict[str, asyncio.Queue[str]] = {}
        self._workers: dict[str, asyncio.Task] = {}
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._client: httpx.AsyncClient | None = None
        self._started = False

    # --- settings ---------------------------------------------------------------------------
    def configure(self, *, url: str | None, enabled_events: Iterable[str] | None = None) -> None:
        if url != self.url:
            self.configured_at = int(time.time())
        self.url = url
        if enabled_events is not None:
            self.enabled_events = list(enabled_events)

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "enabled_events": self.enabled_events}

    def accepts(self, event_type: str) -> bool:
        return bool(self.url) and ("*" in self.enabled_events or event_type in self.enabled_events)

    def queue(self, event: dict[str, Any]) -> None:
        """Record a pending delivery of `event` to the configured URL and queue it."""
        assert self.url is not None
        self.store.state.deliveries[event["id"]] = {
            "event": event["id"],
            "type": event["type"],
            "url": self.url,
            "created": event["created"],
            "status": "pending",
            "attempts": [],
        }
        self._enqueue(self.url, event["id"])

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
        await self.reset()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def reset(self) -> None:
        """Forget everything queued (at shutdown, or when the store is reset)."""
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
            payload = json.dumps(event, indent=2)
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
