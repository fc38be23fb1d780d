"""Devstack's own routes on the Stripe stand-in (`/__devstack/...`), for tests and `devstack up`."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .account import Account
from .expand import public
from .idempotency import IdempotencyCache
from .params import is_absolute_http_url
from .request_log import RequestLog
from .resources.portal import default_configuration
from .seed import default_configuration as seeded_default_configuration


class BadRequest(Exception):
    pass


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


# The clock moves forward by at most this much per call (five years).
MAX_ADVANCE = 5 * 366 * 86400


def control_routes(
    account: Account,
    idempotency: IdempotencyCache,
    secret_key: str,
    request_log: RequestLog,
    tick: Callable[[], Awaitable[None]],
) -> list[Route]:
    """The routes, all under `/__devstack/`. All but `health` need the stand-in's secret key as
    a Bearer token, as the fault routes of `devstack.faults` do. Bodies and answers are JSON.

        GET    health                {"ok": true, "service": "stripe", "webhook_url"}; no key needed
        GET    portal_sessions       ?customer= -> {"data": [portal session + "flow_type"]}
        GET    requests              ?path=&since= -> {"data": [{"method", "path",
                                     "idempotency_key", "at", "status"}]}: every /v1 request,
                                     faulted ones included (request_log.py)
        GET    webhook               {"url", "enabled_events"}
        PUT    webhook               {"url": str|null, "enabled_events"?: [...]} -> the same
        GET    deliveries            ?event= -> {"data": [{"event", "type", "url", "created",
                                     "status", "attempts": [{"attempt", "at", "status_code",
                                     "response_body"|"error", "duration_ms"}]}], "pending": n}
        POST   deliveries/wait       {"timeout"?: seconds, 10 by default} -> {"idle", "pending"}
        DELETE portal_configuration/default   -> {"removed": "bpc_..."|null, ...}
        PUT    portal_configuration/default   -> {"default_configuration": {...}}
        GET    clock                 {"now", "offset"}: the stand-in's time, and how far it is
                                     ahead of real time (seconds)
        POST   clock/advance         {"seconds": n} -> {"now", "offset"}: moves the clock on
                                     (never back) and lets time pass at once: renewals and
                                     their invoices, trials ending, drafts finalized and
                                     charged, scheduled cancellations, with their webhooks
        POST   reset                 -> {"reset": true}: back to the seed (clock included); the
                                     webhook URL and faults stay as they are

    Lists are oldest first.
    """
    webhooks = account.delivery

    def guarded(
        handler: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {secret_key}".encode()):
                return JSONResponse({"error": "devstack control routes need the admin key"}, 401)
            try:
                return await handler(request)
            except BadRequest as exc:
                return JSONResponse({"error": str(exc)}, 400)

        return endpoint

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "service": "stripe", "webhook_url": webhooks.url})

    async def portal_sessions(request: Request) -> Response:
        customer = request.query_params.get("customer")
        data = []
        for session in account.state.portal_sessions.values():
            if customer and session["customer"] != customer:
                continue
            shown = public(session)
            shown["flow_type"] = (session.get("flow") or {}).get("type")
            data.append(shown)
        return JSONResponse({"data": data})

    async def requests(request: Request) -> Response:
        query = request.query_params
        since = query.get("since")
        try:
            since_at = float(since) if since is not None else None
        except ValueError:
            raise BadRequest("since must be a Unix time in seconds") from None
        found = request_log.matching(path=query.get("path"), since=since_at)
        return JSONResponse({"data": found})

    async def webhook(request: Request) -> Response:
        if request.method == "PUT":
            body = await _json_body(request)
            if "url" not in body:
                raise BadRequest('need {"url": "http://..."} (null to stop delivering)')
            url = body["url"]
            if url is not None and not is_absolute_http_url(url):
                raise BadRequest("url must be an absolute http(s) URL or null")
            events = body.get("enabled_events")
            if events is not None and (
                not isinstance(events, list) or not all(isinstance(e, str) for e in events)
            ):
                raise BadRequest('enabled_events must be a list of event types (or ["*"])')
            webhooks.configure(url=url, enabled_events=events)
        return JSONResponse(webhooks.describe())

    async def deliveries(request: Request) -> Response:
        event = request.query_params.get("event")
        data = [r for r in account.state.deliveries.values() if event in (None, r["event"])]
        return JSONResponse({"data": data, "pending": webhooks.pending})

    async def wait(request: Request) -> Response:
        body = await _json_body(request)
        raw = body.get("timeout", 10)
        try:
            timeout = float(raw)
        except (TypeError, ValueError):
            raise BadRequest("timeout must be a number of seconds") from None
        idle = await webhooks.wait_idle(max(0.0, min(timeout, 300.0)))
        return JSONResponse({"idle": idle, "pending": webhooks.pending})

    async def saved_settings(request: Request) -> Response:
        """Make the account look as if its portal settings were never saved (DELETE), or saved."""
        state = account.state
        async with account.lock:
            saved = default_configuration(account)
            if request.method == "DELETE":
                if saved is not None:
                    del state.portal_configurations[saved["id"]]
                    state.removed_default_configuration = saved
                    account.store.changed()
                removed = saved["id"] if saved else None
                return JSONResponse({"removed": removed, "default_configuration": None})
            if saved is None:
                saved = state.removed_default_configuration or seeded_default_configuration(
                    account.now()
                )
                state.portal_configurations[saved["id"]] = saved
                state.removed_default_configuration = None
                account.store.changed()
        return JSONResponse({"default_configuration": public(saved)})

    def clock_answer() -> JSONResponse:
        return JSONResponse({"now": account.now(), "offset": account.state.clock_offset})

    async def clock(request: Request) -> Response:
        return clock_answer()

    async def advance(request: Request) -> Response:
        seconds = (await _json_body(request)).get("seconds")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not (
            0 < seconds <= MAX_ADVANCE
        ):
            raise BadRequest(f'need {{"seconds": n}}, a whole number from 1 to {MAX_ADVANCE}')
        async with account.lock:
            account.state.clock_offset += seconds
            account.store.changed()
        await tick()
        return clock_answer()

    async def reset(request: Request) -> Response:
        async with account.lock:
            await webhooks.reset()
            account.store.reset()
            idempotency.clear()
        return JSONResponse({"reset": True})

    return [
        Route("/__devstack/health", health, methods=["GET"]),
        Route("/__devstack/portal_sessions", guarded(portal_sessions), methods=["GET"]),
        Route("/__devstack/requests", guarded(requests), methods=["GET"]),
        Route("/__devstack/webhook", guarded(webhook), methods=["GET", "PUT"]),
        Route("/__devstack/deliveries", guarded(deliveries), methods=["GET"]),
        Route("/__devstack/deliveries/wait", guarded(wait), methods=["POST"]),
        Route(
            "/__devstack/portal_configuration/default",
            guarded(saved_settings),
            methods=["DELETE", "PUT"],
        ),
        Route("/__devstack/clock", guarded(clock), methods=["GET"]),
        Route("/__devstack/clock/advance", guarded(advance), methods=["POST"]),
        Route("/__devstack/reset", guarded(reset), methods=["POST"]),
    ]
