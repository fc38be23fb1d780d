"""The PostgREST routes under `/rest/v1`: tables (GET, HEAD, POST, PATCH, DELETE) and `rpc/`.

Each request runs in one transaction on a connection logged in as `authenticator`, exactly as
PostgREST does it: `role` is switched to the verified JWT's role and `request.jwt.claims` is
set, so PostgreSQL's row-level security alone decides which rows a caller sees or may write.
This module never filters rows itself. Tokens are verified as Auth signs them: against the same
JWKS (new keys, ES256), or the JWT secret (legacy, HS256). With no Authorization header the role
is the API key's own (new keys: the gateway's doing, anon or service_role), else anon.

Errors have PostgREST's body (`code`, `details`, `hint`, `message`) and status: a bad JWT is
401 PGRST301 (PGRST303 when expired), `Accept: application/vnd.pgrst.object+json` with other
than one row is 406 PGRST116 (and a write is rolled back), a privilege or RLS refusal is 401 for
anon and 403 otherwise, a unique violation 409.
"""

from __future__ import annotations

import json

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.supabase_standin import rest_query as q
from devstack.supabase_standin.tokens import TokenError, TokenIssuer

OBJECT_MEDIA_TYPE = "application/vnd.pgrst.object+json"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

# PostgreSQL error classes and the status PostgREST answers them with.
SQLSTATE_STATUS = {
    "23503": 409,  # foreign_key_violation
    "23505": 409,  # unique_violation
    "23502": 400,  # not_null_violation
    "23514": 400,  # check_violation
    "22P02": 400,  # invalid_text_representation
    "22007": 400,  # invalid_datetime_format
    "22008": 400,  # datetime_field_overflow
    "22023": 400,  # invalid_parameter_value
    "42703": 400,  # undefined_column
    "42883": 404,  # undefined_function
    "42P01": 404,  # undefined_table
    "P0001": 400,  # raise_exception
    "40001": 409,  # serialization_failure
}


class SingularityError(Exception):
    """An object was requested but the statement touched some other number of rows."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


def error(status: int, code: str, message: str, details: str | None = None,
          hint: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"code": code, "details": details, "hint": hint, "message": message}, status
    )


class RestService:
    """PostgREST's behaviour over one pool of `authenticator` connections."""

    def __init__(self, pool: asyncpg.Pool, issuer: TokenIssuer) -> None:
        self.pool = pool
        self.issuer = issuer
        self.cache = q.SchemaCache()

    async def reload_schema(self) -> None:
        async with self.pool.acquire() as conn:
            self.cache = await q.SchemaCache.load(conn)

    # --- request pieces --------------------------------------------------------------------
    def _claims(self, request: Request) -> dict | Response:
        header = request.headers.get("authorization")
        if not header:
            return {"role": getattr(request.state, "api_key_role", None) or "anon"}
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error(401, "PGRST301", "No suitable key or wrong key type")
        try:
            return self.issuer.verify(token.strip())
        except TokenError as exc:
            if exc.expired:
                return error(401, "PGRST303", "JWT expired")
            return error(401, "PGRST301", "JWSError JWSInvalidSignature")

    async def _table(self, name: str) -> q.Table:
        if name not in self.cache.tables:
            await self.reload_schema()
        table = self.cache.tables.get(name)
        if table is None:
            raise q.QueryError(
                404, "PGRST205", f"Could not find the table 'public.{name}' in the schema cache"
            )
        return table

    @staticmethod
    def _prefer(request: Request) -> dict[str, str]:
        prefs: dict[str, str] = {}
        for header in request.headers.getlist("prefer"):
            for item in header.split(","):
                key, _, value = item.strip().partition("=")
                if key:
                    prefs[key] = value
        return prefs

    @staticmethod
    async def _json_body(request: Request) -> object:
        raw = await request.body()
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise q.QueryError(400, "PGRST102", "Empty or invalid json") from exc

    async def _run(self, claims: dict, request: Request, stmt: q.Statement,
                   singular: bool) -> tuple[str | None, int]:
        """Run `stmt` as the claims' role, in one transaction; (json body, row count)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),"
                " set_config('request.method', $3, true), set_config('request.path', $4, true)",
                claims["role"],
                json.dumps(claims),
                request.method,
                request.url.path,
            )
            row = await conn.fetchrow(stmt.sql, *stmt.args)
            count = row["n"]
            if singular and count != 1:
                raise SingularityError(count)  # leaving the block rolls the write back
            return row["body"], count

    def _pg_error(self, exc: asyncpg.PostgresError, claims: dict) -> Response:
        state = exc.sqlstate or ""
        if state == "42501":
            status = 401 if claims.get("role") == "anon" else 403
        elif state.startswith(("08", "53", "57")):
            status = 503
        else:
            status = SQLSTATE_STATUS.get(state, 500 if not state.startswith("2") else 400)
        return error(status, state, exc.args[0] if exc.args else str(exc),
                     getattr(exc, "detail", None), getattr(exc, "hint", None))

    async def _respond(self, request: Request, claims: dict, stmt: q.Statement, *,
                       success: int, returning: bool) -> Response:
        singular = OBJECT_MEDIA_TYPE in request.headers.get("accept", "")
        try:
            body, count = await self._run(claims, request, stmt, singular)
        except SingularityError as exc:
            return error(
                406, "PGRST116", "JSON object requested, multiple (or no) rows returned",
                f"The result contains {exc.rows} rows",
            )
        except asyncpg.PostgresError as exc:
            return self._pg_error(exc, claims)
        except (OSError, asyncpg.InterfaceError) as exc:
            return error(503, "PGRST000", "Database connection error. Retrying the connection.",
                         str(exc))
        headers = dict(JSON_HEADERS)
        headers["Content-Range"] = f"0-{count - 1}/*" if count else "*/*"
        if not returning or request.method == "HEAD":
            return Response(status_code=204 if success == 200 else success, headers=headers)
        if singular:
            body = json.dumps(json.loads(body)[0]) if body.startswith("[") else body
            headers["Content-Type"] = f"{OBJECT_MEDIA_TYPE}; charset=utf-8"
        return Response(body, success, headers=headers)

    # --- routes -----------------------------------------------------------------------------
    async def table(self, request: Request) -> Response:
        claims = self._claims(request)
        if isinstance(claims, Response):
            return claims
        try:
            profile = request.headers.get("accept-profile") or request.headers.get("content-profile")
            if profile and profile != "public":
                raise q.QueryError(406, "PGRST106", "The schema must be one of the following: public")
            table = await self._table(request.path_params["table"])
            params = list(request.query_params.multi_items())
            prefer = self._prefer(request)
            returning = prefer.get("return") == "representation"
            if request.method in ("GET", "HEAD"):
                stmt = q.build_select(table, params)
                return await self._respond(request, claims, stmt, success=200, returning=True)
            if request.method == "POST":
                body = await self._json_body(request)
                rows = body if isinstance(body, list) else [body]
                if not rows or not all(isinstance(r, dict) for r in rows):
                    raise q.QueryError(400, "PGRST102", "Empty or invalid json")
                resolution = prefer.get("resolution")
                if resolution not in (None, "merge-duplicates", "ignore-duplicates"):
                    raise q.QueryError(400, "PGRST100", f"unknown resolution {resolution}")
                stmt = q.build_insert(table, params, rows, resolution=resolution, returning=returning)
                return await self._respond(request, claims, stmt, success=201, returning=returning)
            if request.method == "PATCH":
                body = await self._json_body(request)
                if not isinstance(body, dict):
                    raise q.QueryError(400, "PGRST102", "Empty or invalid json")
                stmt = q.build_update(table, params, body, returning=returning)
                return await self._respond(request, claims, stmt, success=200, returning=returning)
            stmt = q.build_delete(table, params, returning=returning)
            return await self._respond(request, claims, stmt, success=200, returning=returning)
        except q.QueryError as exc:
            return JSONResponse(exc.body, exc.status)

    async def rpc(self, request: Request) -> Response:
        claims = self._claims(request)
        if isinstance(claims, Response):
            return claims
        name = request.path_params["function"]
        try:
            if name not in self.cache.functions:
                await self.reload_schema()
            function = self.cache.functions.get(name)
            if function is None:
                raise q.QueryError(
                    404, "PGRST202",
                    f"Could not find the function public.{name} without parameters in the schema cache",
                )
            if request.method == "GET":
                args: object = dict(request.query_params)
            else:
                raw = await request.body()
                args = await self._json_body(request) if raw.strip() else {}
            if not isinstance(args, dict):
                raise q.QueryError(400, "PGRST102", "Empty or invalid json")
            stmt = q.build_rpc(function, args)
            return await self._respond(request, claims, stmt, success=200, returning=True)
        except q.QueryError as exc:
            return JSONResponse(exc.body, exc.status)

    async def root(self, request: Request) -> Response:
        return JSONResponse({"info": "PostgREST stand-in", "tables": sorted(self.cache.tables)})

    def routes(self) -> list[Route]:
        return [
            Route("/", self.root, methods=["GET"]),
            Route("/rpc/{function}", self.rpc, methods=["GET", "POST"]),
            Route("/{table}", self.table, methods=["GET", "HEAD", "POST", "PATCH", "DELETE"]),
        ]
