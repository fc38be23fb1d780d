"""The record of every `/v1` request the stand-in received, for tests that count attempts."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestLog:
    def __init__(self, max_entries: int = 20_000) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=max_entries)

    def matching(self, *, path: str | None, since: float | None) -> list[dict[str, Any]]:
        """Entries whose path contains `path` and that arrived at `since` or later, oldest first."""
        return [
            dict(e)
            for e in self.entries
            if (path is None or path in e["path"]) and (since is None or e["at"] >= since)
        ]


class RecordRequests:
    """ASGI middleware: note each `/v1` request in `log` before anything else answers it, so a
    request that an injected fault answered (or held until the client gave up) is there too,
    with its status once one was sent (None while held, or if the client left first)."""

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(b"idempotency-key")
        entry: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "idempotency_key": key.decode("latin-1") if key is not None else None,
            "at": time.time(),
            "status": None,
        }
        self.log.entries.append(entry)

        async def note_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        await self.app(scope, receive, note_status)
