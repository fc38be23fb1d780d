"""ASGI middleware: every `/api/...` request gets an id, echoed as `X-Request-Id`, and one line
in the request log (platform/request_log.py) once its answer has been sent."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing_app.platform import request_log

REQUEST_ID_HEADER = "X-Request-Id"
LOGGED_PREFIX = "/api/"


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LOGGED_PREFIX):
            await self.app(scope, receive, send)
            return
        record = request_log.RequestRecord(kind="api", route="unmatched", method=scope["method"])

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, record.request_id)
            await send(message)

        with request_log.logged(record):
            try:
                await self.app(scope, receive, send_with_id)
            except BaseException:
                record.status = record.status or 500  # what the server answers for it
                raise
            finally:
                # Starlette's router leaves the matched route in the scope: log its template,
                # so an unknown path someone made up never becomes a "route" in the logs.
                route = scope.get("route")
                if isinstance(route, Route):
                    record.route = route.path
