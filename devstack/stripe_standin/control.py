"""Devstack's own routes on the Stripe stand-in, for tests and `devstack up`: `/__devstack/...`.

All but `health` need the stand-in's secret key as a Bearer token, like the fault routes of
`devstack.faults`. Bodies and answers are JSON.

    GET    /__devstack/health                      {"ok": true, "service": "stripe", ...} (no key needed)
    GET    /__devstack/portal_sessions[?customer=&limit=]
                                                    {"data": [portal session + "flow_type", oldest first]}
                                                    (limit: only the newest n, still oldest first)
    GET    /__devstack/requests[?path=&idempotency_key=&since=&limit=]
                                                    {"data": [{"method", "path", "idempotency_key",
                                                               "at", "status"}, oldest first]}: every
                                                    /v1 request, faulted ones included (request_log.py)
    GET    /__devstack/webhook                      {"url", "enabled_events", "retry_delays"}
    PUT    /__devstack/webhook                      {"url": str|null, "enabled_events"?: [..], "retry_delays"?: [..]}
    GET    /__devstack/deliveries[?event=&type=&status=&limit=]
                                                    {"data": [{"event", "type", "url", "created", "status",
                                                               "attempts": [{"attempt", "at", "status_code",
                                                               "response_body"|"error", "duration_ms"}]}],
                                                     "pending": n}
    POST   /__devstack/deliveries/wait             {"timeout"?: seconds (default 10)} -> {"idle": bool, "pending": n}
    DELETE /__devstack/portal_configuration/default -> {"removed": "bpc_..."|null, "default_configuration": null}
    PUT    /__devstack/portal_configuration/default -> {"default_configuration": {...}}
    POST   /__devstack/reset                        -> {"reset": true}: back to the seed; the webhook
                                                       URL and faults stay as they are
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .billing import Billing
from .expand import public
from .idempotency import IdempotencyCache
from .params import is_absolute_http_url
from .portal import Portal
from .request_log import RequestLog
from .webhooks import Webhooks


class BadRequest(Exception):
    pass


def _newest(data: list[Any], request: Request) -> list[Any]:
    """The last `?limit=` entries of `data` (all of them without a limit)."""
    raw = request.query_params.get("limit")
    if raw is None:
        return data
    if not raw.isdigit():
        raise BadRequest("limit must be a whole number")
    return data[-int(raw) :] if int(raw) else []


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


def control_routes(
    billing: Billing,
    portal: Portal,
    webhooks: Webhooks,
    idempotency: IdempotencyCache,
    secret_key: str,
    request_log: RequestLog,
) -> list[Route]:
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
        for session in billing.state.portal_sessions.values():
            if customer and session["customer"] != customer:
                continue
            shown = public(session)
            shown["flow_type"] = (session.get("flow") or {}).get("type")
            data.append(shown)
        return JSONResponse({"data": _newest(data, request)})

    async def requests(request: Request) -> Response:
        query = request.query_params
        since = query.get("since")
        try:
            since_at = float(since) if since is not None else None
        except ValueError:
            raise BadRequest("since must be a Unix time in seconds") from None
        found = request_log.matching(path=query.get("path"),
                                     idempotency_key=query.get("idempotency_key"), since=since_at)
        return JSONResponse({"data": _newest(found, request)})

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
            delays = body.get("retry_delays")
            if delays is not None and (
                not isinstance(delays, list)
                or not all(isinstance(d, (int, float)) and d >= 0 for d in delays)
            ):
                raise BadRequest("retry_delays must be a list of seconds >= 0")
            webhooks.configure(url=url, enabled_events=events, retry_delays=delays)
        return JSONResponse(webhooks.describe())

    async def deliveries(request: Request) -> Response:
        query = request.query_params
        data = [
            record
            for record in billing.state.deliveries.values()
            if all(query.get(k) in (None, record[k]) for k in ("event", "type", "status"))
        ]
        return JSONResponse({"data": _newest(data, request), "pending": webhooks.pending})

    async def wait(request: Request) -> Response:
        body = await _json_body(request)
        raw = body.get("timeout", request.query_params.get("timeout", 10))
        try:
            timeout = float(raw)
        except (TypeError, ValueError):
            raise BadRequest("timeout must be a number of seconds") from None
        idle = await webhooks.wait_idle(max(0.0, min(timeout, 300.0)))
        return JSONResponse({"idle": idle, "pending": webhooks.pending})

    async def default_configuration(request: Request) -> Response:
        async with billing.store.lock:
            if request.method == "DELETE":
                removed = portal.remove_default_configuration()
                return JSONResponse({"removed": removed, "default_configuration": None})
            restored = portal.restore_default_configuration()
        return JSONResponse({"default_configuration": public(restored)})

    async def reset(request: Request) -> Response:
        async with billing.store.lock:
            await webhooks.reset()
            billing.store.reset()
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
            guarded(default_configuration),
            methods=["DELETE", "PUT"],
        ),
        Route("/__devstack/reset", guarded(reset), methods=["POST"]),
    ]
