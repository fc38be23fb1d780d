"""Latency and failures on demand, for benchmarks and fault tests. Shared by both stand-ins.

Every request of a kind ("auth", "rest", "stripe") waits its configured latency first. A fault set
through the control route then answers in place of the real handler:

    POST /__devstack/faults  {"kind": "stripe", "mode": "error", "times": 2}
    POST /__devstack/faults  {"kind": "rest", "mode": "error", "path": "/rpc/"}
    POST /__devstack/faults  {"kind": "stripe", "mode": "error", "path": "/v1/customers",
                              "method": "POST"}
    DELETE /__devstack/faults            clears every fault
    PUT /__devstack/latency  {"auth": 30, "rest": 30}

Modes: "error" (500), "rate_limit" (429), "down" (503), and "timeout" (hold the request for
`hold_seconds`, far past any sane client timeout, then 504). A stand-in may take some modes
inside (`executed`): the request then goes on with `scope["state"]["devstack_fault"]` set, and the
stand-in fails it while executing (the Stripe stand-in does so for "error", so that the 500 is
saved for its Idempotency-Key, as Stripe saves it). `times` limits how many requests
fail; without it the fault stays until cleared. `path` narrows the fault to requests whose path
contains it (say, only the RPC call in the middle of a webhook), `method` to one HTTP method. Control routes need the stand-in's admin key as a
Bearer token (the service-role key for Supabase, the secret key for Stripe).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

MODES = ("error", "rate_limit", "timeout", "down")
MODE_STATUS = {"error": 500, "rate_limit": 429, "down": 503, "timeout": 504}


@dataclass
class Fault:
    mode: str
    remaining: int | None = None  # None: until cleared
    path: str | None = None  # only requests whose path contains this
    method: str | None = None  # only requests with this method


class FaultControls:
    """The current latency and faults of one stand-in process."""

    def __init__(self, latency_ms: dict[str, int], hold_seconds: float = 60.0) -> None:
        self.latency_ms = dict(latency_ms)
        self.hold_seconds = hold_seconds
        self._faults: dict[str, Fault] = {}

    def set_fault(self, kind: str, mode: str, times: int | None = None,
                  path: str | None = None, method: str | None = None) -> None:
        self._faults[kind] = Fault(mode, times, path, method)

    def clear(self) -> None:
        self._faults.clear()

    def take(self, kind: str, path: str = "", method: str = "") -> str | None:
        """The fault mode this request of `kind` must suffer, if any; counts it down."""
        fault = self._faults.get(kind)
        if (fault is None or (fault.path and fault.path not in path)
                or (fault.method and fault.method != method)):
            return None
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._faults[kind]
        return fault.mode

    def describe(self) -> dict:
        return {
            "latency_ms": self.latency_ms,
            "faults": {k: {"mode": f.mode, "remaining": f.remaining, "path": f.path,
                           "method": f.method} for k, f in self._faults.items()},
        }


FaultResponder = Callable[[str, str], Response]


class InjectLatencyAndFaults:
    """ASGI middleware: delay, then maybe fail, every request that `classify` names a kind."""

    def __init__(
        self,
        app: ASGIApp,
        controls: FaultControls,
        classify: Callable[[str], str | None],
        respond: FaultResponder,
        executed: Collection[str] = (),
    ) -> None:
        self.app = app
        self.controls = controls
        self.classify = classify
        self.respond = respond
        self.executed = frozenset(executed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = self.classify(scope["path"]) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        delay = self.controls.latency_ms.get(kind, 0)
        if delay:
            await asyncio.sleep(delay / 1000)
        mode = self.controls.take(kind, scope["path"], scope["method"])
        if mode in self.executed:
            scope.setdefault("state", {})["devstack_fault"] = mode
        if mode is None or mode in self.executed:
            await self.app(scope, receive, send)
            return
        if mode == "timeout":
            await asyncio.sleep(self.controls.hold_seconds)
        await self.respond(kind, mode)(scope, receive, send)


def control_routes(controls: FaultControls, admin_key: Callable[[], str]) -> list[Route]:
    """The `/__devstack/faults` and `/__devstack/latency` routes for one stand-in."""

    def authorized(request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {admin_key()}".encode())

    def guarded(handler: Callable[[Request], Awaitable[Response]]):
        async def endpoint(request: Request) -> Response:
            if not authorized(request):
                return JSONResponse({"error": "devstack control routes need the admin key"}, 401)
            return await handler(request)

        return endpoint

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            controls.clear()
            return JSONResponse(controls.describe())
        if request.method == "GET":
            return JSONResponse(controls.describe())
        body = await request.json()
        mode, kind, times = body.get("mode"), body.get("kind"), body.get("times")
        path, method = body.get("path"), body.get("method")
        if mode not in MODES or not isinstance(kind, str):
            return JSONResponse({"error": f"need kind and mode in {MODES}"}, 400)
        if method is not None and method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            return JSONResponse({"error": "method must be GET, POST, PUT, PATCH or DELETE"}, 400)
        if times is not None and (not isinstance(times, int) or times < 1):
            return JSONResponse({"error": "times must be a positive whole number"}, 400)
        if path is not None and not isinstance(path, str):
            return JSONResponse({"error": "path must be text"}, 400)
        controls.set_fault(kind, mode, times, path, method)
        return JSONResponse(controls.describe())

    async def latency(request: Request) -> Response:
        if request.method == "PUT":
            body = await request.json()
            for kind, ms in body.items():
                if not isinstance(ms, int) or ms < 0:
                    return JSONResponse({"error": f"latency for {kind} must be ms >= 0"}, 400)
                controls.latency_ms[kind] = ms
        return JSONResponse(controls.describe())

    return [
        Route("/__devstack/faults", guarded(faults), methods=["GET", "POST", "DELETE"]),
        Route("/__devstack/latency", guarded(latency), methods=["GET", "PUT"]),
    ]
