"""The stand-in's state: every Stripe object it holds, in memory, with its snapshot on disk."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clock import now

log = logging.getLogger("devstack.stripe")

STATE_VERSION = 1
# Collections written to disk, in the order they appear in the file.
PERSISTED = (
    "customers",
    "products",
    "prices",
    "subscriptions",
    "checkout_sessions",
    "checkout_details",
    "portal_configurations",
    "payment_methods",
    "invoices",
    "invoice_links",
    "pending_items",
    "events",
    "deliveries",
)
# Single values written beside the collections: the clock's offset from real time (moved by
# the control route), the moment time last passed for subscriptions, and deleted customers.
PERSISTED_VALUES = ("removed_default_configuration", "clock_offset", "ticked_at",
                    "deleted_customers")
# Stripe keeps events for 30 days.
EVENT_RETENTION_SECONDS = 30 * 24 * 3600
# Portal sessions kept for the control route and the pages; older ones are dropped first.
MAX_PORTAL_SESSIONS = 50_000

# id prefix -> collection, for expanding and looking up ids of any type.
PREFIX_COLLECTIONS = (
    ("cus_", "customers"),
    ("prod_", "products"),
    ("price_", "prices"),
    ("sub_", "subscriptions"),
    ("cs_", "checkout_sessions"),
    ("bpc_", "portal_configurations"),
    ("bps_", "portal_sessions"),
    ("evt_", "events"),
    ("pm_", "payment_methods"),
    ("in_", "invoices"),
)


@dataclass
class StripeState:
    """Everything the stand-in knows. Dicts keep insertion order, which is creation order."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkout_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What a checkout session needs to complete that its public object doesn't show:
    # {"line_items": [{"price": id, "quantity": n}], "subscription_data": {...}}
    checkout_details: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_configurations: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    # URL secret of a hosted invoice page -> invoice id
    invoice_links: dict[str, str] = field(default_factory=dict)
    # subscription id -> its pending invoice items (prorations) for the next invoice
    pending_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    # event id -> {"event", "type", "url", "status", "attempts": [...]}
    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The saved default portal configuration while a test has it removed (see control routes).
    removed_default_configuration: dict[str, Any] | None = None
    clock_offset: int = 0
    ticked_at: int | None = None
    # Ids of deleted customers: retrieving one answers Stripe's `deleted_customer` object.
    deleted_customers: list[str] = field(default_factory=list)
    # In memory only.
    portal_sessions: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)
    # URL secret -> {"session": bps id, "created": ts, "opened_at": ts | None}
    portal_links: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": STATE_VERSION}
        for name in (*PERSISTED, *PERSISTED_VALUES):
            data[name] = getattr(self, name)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StripeState:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown state version {data.get('version')!r}")
        state = cls(**{name: dict(data.get(name) or {}) for name in PERSISTED})
        for name in PERSISTED_VALUES:
            setattr(state, name, data.get(name, getattr(state, name)))
        return state

    def find(self, object_id: str) -> dict[str, Any] | None:
        """Any object by its id, whatever its type."""
        for prefix, collection in PREFIX_COLLECTIONS:
            if object_id.startswith(prefix):
                return getattr(self, collection).get(object_id)
        return None

    def add_portal_session(self, session: dict[str, Any], secret: str) -> None:
        self.portal_sessions[session["id"]] = session
        self.portal_links[secret] = {
            "session": session["id"],
            "created": session["created"],
            "opened_at": None,
        }
        while len(self.portal_sessions) > MAX_PORTAL_SESSIONS:
            self.portal_sessions.popitem(last=False)

    def now(self) -> int:
        """The stand-in's time: real time moved by the clock's offset."""
        return now() + self.clock_offset

    def drop_old_events(self, at: int) -> None:
        cutoff = at - EVENT_RETENTION_SECONDS
        for event_id in [e for e, event in self.events.items() if event["created"] < cutoff]:
            del self.events[event_id]
            self.deliveries.pop(event_id, None)


class Store:
    """The state plus its snapshot file, `stripe-state.json`.

    After each change the state is written (temp file + rename, so a crash never leaves half a
    file), at most once per `snapshot_interval` seconds, and always on shutdown; a restart loads
    it back. Portal sessions stay in memory only: their links live for minutes, and a benchmark
    makes hundreds a second. Changes are made under `lock`, so that one request's
    read-check-write never interleaves with another's.
    """

    def __init__(
        self, path: Path, fresh: Callable[[], StripeState], snapshot_interval: float = 0.2
    ) -> None:
        self.path = path
        self.fresh = fresh  # the state a new or reset stand-in starts with
        self.snapshot_interval = snapshot_interval
        self.lock = asyncio.Lock()
        self._dirty = False
        self._writer: asyncio.Task | None = None
        self._file_lock = threading.Lock()
        self._serial = 0  # snapshot number; a late, older write never replaces a newer one
        self._written = 0
        self.state, seeded = self._load()
        if seeded:
            self.flush_now()

    # --- loading ----------------------------------------------------------------------------
    def _load(self) -> tuple[StripeState, bool]:
        """The saved state, or the seed (and True) when there is none yet."""
        if not self.path.exists():
            return self.fresh(), True
        try:
            state = StripeState.from_json(json.loads(self.path.read_text()))
        except (ValueError, TypeError) as exc:
            aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
            os.replace(self.path, aside)
            log.warning(
                "stripe state %s unreadable (%s); moved to %s and reseeded", self.path, exc, aside
            )
            return self.fresh(), True
        state.drop_old_events(state.now())
        return state, False

    def reset(self) -> None:
        """Back to the seed: no customers, no subscriptions, the seeded catalogue and portal settings."""
        self.state = self.fresh()
        self.changed()

    # --- writing ----------------------------------------------------------------------------
    @staticmethod
    def _serialize(state: StripeState) -> str:
        return json.dumps(state.to_json(), separators=(",", ":"))

    def _write_text(self, serial: int, text: str) -> None:
        with self._file_lock:
            if serial <= self._written:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            temp.write_text(text)
            os.replace(temp, self.path)
            self._written = serial

    def _snapshot(self) -> tuple[int, str]:
        self._serial += 1
        self._dirty = False
        return self._serial, self._serialize(self.state)

    def changed(self) -> None:
        """Note a change; it reaches the disk within `snapshot_interval` seconds."""
        self._dirty = True
        if self._writer is not None and not self._writer.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush_now()
            return
        self._writer = loop.create_task(self._write_soon())

    async def _write_soon(self) -> None:
        while self._dirty:
            await asyncio.sleep(self.snapshot_interval)
            serial, text = self._snapshot()
            await asyncio.to_thread(self._write_text, serial, text)

    def flush_now(self) -> None:
        """Write the current state at once (shutdown, or outside the event loop)."""
        serial, text = self._snapshot()
        self._write_text(serial, text)

    async def close(self) -> None:
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
        self.flush_now()
