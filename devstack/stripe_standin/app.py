"""The Stripe stand-in as one Starlette app: `create_app(config)` wires the pieces together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devstack.config import StackConfig
from devstack.faults import FaultControls, InjectLatencyAndFaults
from devstack.faults import control_routes as fault_routes

from .account import Account
from .api import StripeApi
from .control import control_routes
from .errors import fault_response
from .idempotency import IdempotencyCache
from .ids import request_id
from .pages.checkout import checkout_routes
from .pages.invoice import invoice_routes
from .pages.portal import portal_routes
from .request_log import RecordRequests, RequestLog
from .resources import checkout, cycles, portal
from .seed import fresh_state
from .store import Store
from .webhook_delivery import DEFAULT_RETRY_DELAYS, WebhookDelivery

log = logging.getLogger("devstack.stripe")


class RequestIds:
    """ASGI middleware: a fresh `req_...` id per request, in `scope["state"]` and the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id()
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("Request-Id", rid)
            await send(message)

        await self.app(scope, receive, send_with_id)


def classify(path: str) -> str | None:
    """Only Stripe API calls get injected latency and faults; pages and control routes don't."""
    return "stripe" if path.startswith("/v1/") else None


def create_app(
    config: StackConfig,
    *,
    webhook_retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    webhook_timeout: float = 10.0,
    snapshot_interval: float = 0.2,
    tick_interval: float = 5.0,
) -> Starlette:
    """The Stripe stand-in for `config`: state in `config.stripe_state_file`, webhooks to
    `config.webhook_url`, page links under `config.stripe_api_base`. Latency and faults
    (`devstack.faults`) apply to `/v1/*` only, and every `/v1` request is recorded
    (`request_log.py`). While it runs, a tick every `tick_interval` seconds renews billing
    periods (and invoices them), ends trials and subscriptions whose `cancel_at` has passed and
    expires old checkout sessions, firing the webhooks Stripe would; `POST /__devstack/clock`
    moves the stand-in's clock on and runs the tick at once."""
    secret_key = config.secrets.stripe_secret_key
    store = Store(config.stripe_state_file, fresh_state, snapshot_interval=snapshot_interval)
    delivery = WebhookDelivery(
        store,
        config.secrets.stripe_webhook_secret,
        config.webhook_url,
        retry_delays=webhook_retry_delays,
        timeout=webhook_timeout,
    )
    account = Account(store, delivery, config.stripe_api_base)
    idempotency = IdempotencyCache()
    api = StripeApi(account, secret_key, idempotency)
    controls = FaultControls({"stripe": config.stripe_latency_ms})
    request_log = RequestLog()

    async def tick() -> None:
        await cycles.tick(account)
        await checkout.expire_due(account)
        await portal.forget_old_links(account)

    async def tick_forever() -> None:
        while True:
            try:
                await tick()
            except Exception:  # keep ticking; the next tick may well succeed
                log.exception("stripe stand-in tick failed")
            await asyncio.sleep(tick_interval)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        """On shutdown, deliveries stop (pending ones resume on the next start) and the state
        is written to disk."""
        await delivery.start()
        ticker = asyncio.create_task(tick_forever())
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await delivery.stop()
            await store.close()

    routes = [
        Route("/v1/{path:path}", api.handle, methods=["GET", "POST", "DELETE", "PUT", "PATCH"]),
        *portal_routes(account),
        *checkout_routes(account),
        *invoice_routes(account),
        *control_routes(account, idempotency, secret_key, request_log, tick),
        *fault_routes(controls, lambda: secret_key),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(
        InjectLatencyAndFaults, controls=controls, classify=classify, respond=fault_response,
        executed=("error",),
    )
    # Outside the faults, so attempts that a fault answered are recorded too.
    app.add_middleware(RecordRequests, log=request_log)
    app.add_middleware(RequestIds)  # added last, so outermost: fault answers get an id too
    app.state.account = account
    return app
