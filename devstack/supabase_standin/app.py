"""The Supabase stand-in as one ASGI app: the gateway's API-key check, Auth, and PostgREST.

The gateway, for the key generation the stack serves (see devstack/README.md for sources):
- Every `/auth/v1` and `/rest/v1` request carries a project key in `apikey`; without a known
  one it is refused before reaching either service.
- New keys (`sb_publishable_...`, `sb_secret_...`) are not JWTs. With no `Authorization`
  header the key's own role applies (anon, service_role); a user's JWT goes in
  `Authorization`. An `sb_` key sent as `Authorization: Bearer` is refused with 401.
- Legacy keys are JWTs; the role comes from the Bearer token alone (PostgREST falls back to anon).
Latency and faults from `devstack.faults` apply per kind: "auth" or "rest".

Control routes (devstack's own; the service-role key as Bearer, whatever the generation):
    /__devstack/faults, /__devstack/latency        see devstack/faults.py
    PUT  /__devstack/auth_settings   {"jwt_expiry": s, "rate_limit_token_refresh": n per 5 min,
                                      "sb_forwarded_for_enabled": bool}; a new rate refills
                                      every bucket
    GET  /__devstack/signing_keys    {"current": kid, "kids": [...]}  (new keys only)
    POST /__devstack/signing_keys/rotate   a new current key; the old one stays in the JWKS
    POST /__devstack/signing_keys/revoke   drop every key but the current one
    POST /__devstack/reload_schema
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
from devstack.supabase_standin.rate_limits import TokenBuckets
from devstack.supabase_standin.rest import RestService, error
from devstack.supabase_standin.tokens import SigningKeys, TokenIssuer


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


def bearer_key_refused(kind: str) -> Response:
    """An `sb_` API key sent as a Bearer token: the JWT check fails on it (supabase-py#1230
    shows the local stack's PGRST301; Supabase's "Authorization headers" page calls it a common
    mistake). The hosted gateway tolerates it for now; the stand-in refuses, the stricter side."""
    if kind == "auth":
        return auth_error(401, "bad_jwt", "invalid JWT: unable to parse or verify signature, "
                          "token is malformed: an API key is not a JWT; send it in `apikey`")
    return error(401, "PGRST301", "Expected 3 parts in JWT; got 1",
                 hint="An sb_ API key belongs in the apikey header, not in Authorization.")


class Gateway:
    """The API gateway in front of Auth and PostgREST: `/auth/v1` and `/rest/v1` need a known
    `apikey`; `keys` maps each key to its role. With `new_keys`, a request without
    `Authorization` acts as the key's role (passed on in `scope["state"]`), and a Bearer `sb_`
    key is refused."""

    def __init__(self, app: ASGIApp, keys: dict[str, str], new_keys: bool) -> None:
        self.app = app
        self.keys = [(k.encode(), role) for k, role in keys.items()]
        self.new_keys = new_keys

    def _role(self, given: bytes) -> str | None:
        found = None
        for key, role in self.keys:
            if hmac.compare_digest(given, key):
                found = role
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = classify(scope["path"]) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"apikey")
        role = self._role(given) if given is not None else None
        bearer = headers.get(b"authorization", b"").partition(b" ")[2].strip()
        if given is None:
            response = JSONResponse(
                {"message": "No API key found in request",
                 "hint": "No `apikey` request header or url param was found."}, 401)
        elif role is None:
            response = JSONResponse(
                {"message": "Invalid API key",
                 "hint": "Double check your Supabase `anon` or `service_role` API key."}, 401)
        elif self.new_keys and bearer.startswith(b"sb_"):
            response = bearer_key_refused(kind)
        else:
            if self.new_keys:
                state = scope.setdefault("state", {})
                state["api_key_role"] = role
                state["api_key_is_secret"] = role == "service_role"
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)


def create_app(config: StackConfig) -> Starlette:
    secrets = config.secrets
    signing_keys = (None if config.legacy_keys
                    else SigningKeys.load_or_create(config.signing_keys_file))
    issuer = TokenIssuer(
        secret=secrets.jwt_secret,
        issuer=f"{config.supabase_url}/auth/v1",
        expiry_seconds=int(os.environ.get("DEVSTACK_JWT_EXPIRY_S", "3600")),
        signing_keys=signing_keys,
    )
    anon_key, service_key = config.api_key("anon"), config.api_key("service_role")
    buckets = TokenBuckets(config.token_refresh_rate_limit)
    controls = FaultControls(
        {"auth": config.auth_latency_ms, "rest": config.rest_latency_ms}
    )
    services: dict[str, object] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        auth_pool = await asyncpg.create_pool(config.database_url(), min_size=1, max_size=10)
        rest_pool = await asyncpg.create_pool(config.authenticator_url, min_size=2, max_size=20)
        auth = AuthService(auth_pool, issuer, buckets)
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

    def describe_auth() -> dict:
        return {"jwt_expiry": issuer.expiry_seconds,
                "rate_limit_token_refresh": buckets.per_5_minutes,
                "sb_forwarded_for_enabled": services["auth"].sb_forwarded_for_enabled}  # type: ignore[attr-defined]

    async def auth_settings(request: Request) -> Response:
        body = await request.json()
        checks = {"jwt_expiry": int, "rate_limit_token_refresh": int,
                  "sb_forwarded_for_enabled": bool}
        for name, value in body.items():
            wanted = checks.get(name)
            if wanted is None or type(value) is not wanted or (wanted is int and value < 1):
                return JSONResponse({"error": f"{name}: expected one of {sorted(checks)}, "
                                              "positive whole numbers or true/false"}, 400)
        if "jwt_expiry" in body:
            issuer.expiry_seconds = body["jwt_expiry"]
        if "rate_limit_token_refresh" in body:
            buckets.configure(body["rate_limit_token_refresh"])
        if "sb_forwarded_for_enabled" in body:
            services["auth"].sb_forwarded_for_enabled = body["sb_forwarded_for_enabled"]  # type: ignore[attr-defined]
        return JSONResponse(describe_auth())

    def describe_keys() -> dict:
        assert signing_keys is not None
        return {"current": signing_keys.current_kid, "kids": [k.kid for k in signing_keys.keys]}

    async def signing_keys_route(request: Request) -> Response:
        if signing_keys is None:
            return JSONResponse({"error": "legacy keys sign with the JWT secret (HS256)"}, 400)
        action = request.path_params.get("action")
        if action == "rotate":
            signing_keys.rotate()
        elif action == "revoke":
            signing_keys.revoke_previous()
        elif action is not None:
            return JSONResponse({"error": "the actions are rotate and revoke"}, 404)
        return JSONResponse(describe_keys())

    async def reload_schema(request: Request) -> Response:
        await services["rest"].reload_schema()  # type: ignore[attr-defined]
        return JSONResponse({"tables": sorted(services["rest"].cache.tables)})  # type: ignore[attr-defined]

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "supabase stand-in",
                             "keys": config.supabase_keys})

    app = Starlette(
        routes=[
            Route("/__devstack/health", health, methods=["GET"]),
            Route("/__devstack/auth_settings", guarded(auth_settings), methods=["PUT"]),
            Route("/__devstack/signing_keys", guarded(signing_keys_route), methods=["GET"]),
            Route("/__devstack/signing_keys/{action:str}", guarded(signing_keys_route),
                  methods=["POST"]),
            Route("/__devstack/reload_schema", guarded(reload_schema), methods=["POST"]),
            *control_routes(controls, lambda: service_key),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(InjectLatencyAndFaults, controls=controls, classify=classify,
                       respond=fault_response)
    app.add_middleware(Gateway, keys={anon_key: "anon", service_key: "service_role"},
                       new_keys=not config.legacy_keys)
    return app
