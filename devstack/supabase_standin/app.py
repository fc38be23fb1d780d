"""The Supabase stand-in as one ASGI app: the gateway's API-key check, Auth, and PostgREST.

Like Supabase's gateway, every `/auth/v1` and `/rest/v1` request must carry a project key in the
`apikey` header (anon or service_role); without one it is refused before reaching either
service. Latency and faults from `devstack.faults` apply per kind: "auth" or "rest".
Control routes (service-role key as Bearer): `/__devstack/faults`, `/__devstack/latency`,
`PUT /__devstack/auth_settings {"jwt_expiry": seconds}`, `POST /__devstack/reload_schema`.
"""

from __future__ import annotations

import contextlib
import hmac
import os

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from devstack.config import StackConfig
from devstack.faults import MODE_STATUS, FaultControls, InjectLatencyAndFaults, control_routes
from devstack.supabase_standin.auth import AuthService, auth_error
from devstack.supabase_standin.rest import RestService, error
from devstack.supabase_standin.tokens import TokenIssuer


def classify(path: str) -> str | None:
    if path.startswith("/auth/v1/"):
        return "auth"
    if path.startswith("/rest/v1/"):
        return "rest"
    return None


def fault_response(kind: str, mode: str) -> Response:
    status = MODE_STATUS[mode]
    if mode == "down":
        return JSONResponse({"message": "An invalid response was received from the upstream server"}, 503)
    if kind == "auth":
        codes = {"error": "unexpected_failure", "rate_limit": "over_request_rate_limit",
                 "timeout": "request_timeout"}
        return auth_error(status, codes[mode], f"devstack injected fault: {mode}")
    codes = {"error": "XX000", "rate_limit": "PGRST429", "timeout": "57014"}
    return error(status, codes[mode], f"devstack injected fault: {mode}")


class RequireApiKey:
    """The gateway's check: `/auth/v1` and `/rest/v1` need a known `apikey` header."""

    def __init__(self, app: ASGIApp, keys: list[str]) -> None:
        self.app = app
        self.keys = [k.encode() for k in keys]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or classify(scope["path"]) is None:
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"apikey")
        if given is None:
            response = JSONResponse(
                {"message": "No API key found in request",
                 "hint": "No `apikey` request header or url param was found."}, 401)
        elif not any(hmac.compare_digest(given, key) for key in self.keys):
            response = JSONResponse(
                {"message": "Invalid API key",
                 "hint": "Double check your Supabase `anon` or `service_role` API key."}, 401)
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)


def create_app(config: StackConfig) -> Starlette:
    secrets = config.secrets
    issuer = TokenIssuer(
        secret=secrets.jwt_secret,
        issuer=f"{config.supabase_url}/auth/v1",
        expiry_seconds=int(os.environ.get("DEVSTACK_JWT_EXPIRY_S", "3600")),
    )
    anon_key, service_key = secrets.api_key("anon"), secrets.api_key("service_role")
    controls = FaultControls(
        {"auth": config.auth_latency_ms, "rest": config.rest_latency_ms}
    )
    services: dict[str, object] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        auth_pool = await asyncpg.create_pool(config.database_url(), min_size=1, max_size=10)
        rest_pool = await asyncpg.create_pool(config.authenticator_url, min_size=2, max_size=20)
        auth = AuthService(auth_pool, issuer)
        rest = RestService(rest_pool, issuer)
        await rest.reload_schema()
        services.update(auth=auth, rest=rest)
        app.router.routes.extend([
            Mount("/auth/v1", routes=auth.routes()),
            Mount("/rest/v1", routes=rest.routes()),
        ])
        try:
            yield
        finally:
            await auth_pool.close()
            await rest_pool.close()

    def guarded(handler):
        async def endpoint(request: Request) -> Response:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, f"Bearer {service_key}".encode()):
                return JSONResponse({"error": "devstack control routes need the admin key"}, 401)
            return await handler(request)
        return endpoint

    async def auth_settings(request: Request) -> Response:
        body = await request.json()
        expiry = body.get("jwt_expiry")
        if not isinstance(expiry, int) or expiry < 1:
            return JSONResponse({"error": "jwt_expiry must be a positive number of seconds"}, 400)
        issuer.expiry_seconds = expiry
        return JSONResponse({"jwt_expiry": issuer.expiry_seconds})

    async def reload_schema(request: Request) -> Response:
        await services["rest"].reload_schema()  # type: ignore[attr-defined]
        return JSONResponse({"tables": sorted(services["rest"].cache.tables)})  # type: ignore[attr-defined]

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "supabase stand-in"})

    app = Starlette(
        routes=[
            Route("/__devstack/health", health, methods=["GET"]),
            Route("/__devstack/auth_settings", guarded(auth_settings), methods=["PUT"]),
            Route("/__devstack/reload_schema", guarded(reload_schema), methods=["POST"]),
            *control_routes(controls, lambda: service_key),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(InjectLatencyAndFaults, controls=controls, classify=classify,
                       respond=fault_response)
    app.add_middleware(RequireApiKey, keys=[anon_key, service_key])
    return app
