"""The Supabase Auth (GoTrue) routes this app uses, under `/auth/v1`.

    POST /signup                               email + password; confirmed at once, as with
                                               `enable_confirmations = false` locally
    POST /token?grant_type=password            sign in
    POST /token?grant_type=refresh_token       rotate: every refresh token works once; reusing
                                               one after the reuse interval revokes the session
    GET  /user                                 who the Bearer token belongs to
    POST /logout?scope=global|local|others     end sessions (the user's own JWT)
    GET  /.well-known/jwks.json                the public signing keys (empty for legacy HS256)
    GET/POST /admin/users, GET/DELETE /admin/users/{id}   as the service role: a service_role
                                               JWT as Bearer, or (new keys) the secret key alone

`/token` spends one token of the client IP's bucket (`rate_limits.py`) before anything else,
for both grants, as GoTrue does; an empty bucket is 429 `over_request_rate_limit`. The client
IP is the connection's peer. With `sb_forwarded_for_enabled` on (the control route), a request
made with the secret key may name the IP in `Sb-Forwarded-For` instead (GoTrue's
GOTRUE_SECURITY_SB_FORWARDED_FOR_ENABLED, `internal/sbff/sbff.go`); the stand-in honours it
only with the secret key, never a publishable or legacy key, the stricter reading.

Users, sessions and refresh tokens live in the cluster's `auth` schema; passwords are bcrypt
hashes made by pgcrypto, as GoTrue stores them. Answers follow
shared/reference/supabase-auth-openapi.yaml: users in `UserSchema`, sessions in
`AccessTokenResponseSchema`, errors as `{"code", "error_code", "msg"}` with the
`X-Supabase-Api-Version` header that tells supabase-py to read `error_code`.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.supabase_standin.rate_limits import TokenBuckets
from devstack.supabase_standin.tokens import TokenError, TokenIssuer

API_VERSION_HEADERS = {"X-Supabase-Api-Version": "2024-01-01"}
# GoTrue accepts a just-rotated refresh token again for this long (concurrent tabs), answering
# with the session's current token instead of failing.
REFRESH_REUSE_INTERVAL_S = 10
MIN_PASSWORD_LENGTH = 6

USER_COLUMNS = """
    id, aud, role, email, email_confirmed_at, last_sign_in_at, raw_app_meta_data,
    raw_user_meta_data, is_anonymous, banned_until, created_at, updated_at
"""


def auth_error(status: int, error_code: str, msg: str) -> JSONResponse:
    return JSONResponse(
        {"code": status, "error_code": error_code, "msg": msg}, status, headers=API_VERSION_HEADERS
    )


def ok(body: dict | list, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status, headers=API_VERSION_HEADERS)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def user_json(row: asyncpg.Record) -> dict:
    """A user in GoTrue's `UserSchema` shape."""
    user_id = str(row["id"])
    app_meta = json.loads(row["raw_app_meta_data"])
    user_meta = json.loads(row["raw_user_meta_data"])
    identity = {
        "identity_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"email-identity:{user_id}")),
        "id": user_id,
        "user_id": user_id,
        "identity_data": {
            "email": row["email"],
            "email_verified": row["email_confirmed_at"] is not None,
            "phone_verified": False,
            "sub": user_id,
        },
        "provider": "email",
        "last_sign_in_at": _iso(row["last_sign_in_at"]),
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "email": row["email"],
    }
    return {
        "id": user_id,
        "aud": row["aud"],
        "role": row["role"],
        "email": row["email"],
        "email_confirmed_at": _iso(row["email_confirmed_at"]),
        "phone": "",
        "confirmed_at": _iso(row["email_confirmed_at"]),
        "last_sign_in_at": _iso(row["last_sign_in_at"]),
        "app_metadata": app_meta,
        "user_metadata": user_meta,
        "identities": [identity],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "is_anonymous": row["is_anonymous"],
        "banned_until": _iso(row["banned_until"]),
    }


def _forwarded_ip(header: str) -> str | None:
    """The first value of Sb-Forwarded-For when it is an IP address, as GoTrue parses it."""
    first = header.split(",", 1)[0].strip()
    try:
        return str(ipaddress.ip_address(first))
    except ValueError:
        return None


class AuthService:
    """GoTrue's behaviour over the `auth` schema. One per stand-in process."""

    def __init__(self, pool: asyncpg.Pool, issuer: TokenIssuer, buckets: TokenBuckets):
        self.pool = pool
        self.issuer = issuer
        self.buckets = buckets
        # GOTRUE_SECURITY_SB_FORWARDED_FOR_ENABLED, off by default as in GoTrue.
        self.sb_forwarded_for_enabled = False

    # --- helpers -------------------------------------------------------------------------
    async def _body(self, request: Request) -> dict | None:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    @staticmethod
    def _bearer(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    @staticmethod
    def _credentials_refused(email: str, password: object, *,
                             password_required: bool) -> JSONResponse | None:
        """GoTrue's answer to an unusable email or a too-short password; None when both do."""
        if not email or "@" not in email:
            return auth_error(400, "validation_failed",
                              "Unable to validate email address: invalid format")
        if password is None and not password_required:
            return None
        if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
            return auth_error(422, "weak_password",
                              f"Password should be at least {MIN_PASSWORD_LENGTH} characters.")
        return None

    def _session_response(
        self, user: asyncpg.Record, session_id: str, refresh_token: str
    ) -> JSONResponse:
        signed_in_at = int(user["last_sign_in_at"].timestamp()) if user["last_sign_in_at"] else 0
        body = user_json(user)
        access, expires_at = self.issuer.access_token(body, session_id, signed_in_at)
        return ok(
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.issuer.expiry_seconds,
                "expires_at": expires_at,
                "refresh_token": refresh_token,
                "user": body,
            }
        )

    async def _new_session(self, conn: asyncpg.Connection, user_id: uuid.UUID) -> tuple[str, str]:
        session_id = await conn.fetchval(
            "insert into auth.sessions (user_id) values ($1) returning id", user_id
        )
        token = secrets.token_urlsafe(16)
        await conn.execute(
            "insert into auth.refresh_tokens (token, user_id, session_id) values ($1, $2, $3)",
            token,
            user_id,
            session_id,
        )
        return str(session_id), token

    async def _user_from_token(
        self, request: Request
    ) -> tuple[dict, asyncpg.Record] | JSONResponse:
        """The verified claims and user row of the Bearer token, or GoTrue's error answer."""
        token = self._bearer(request)
        if token is None:
            return auth_error(401, "no_authorization", "This endpoint requires a valid Bearer token")
        try:
            claims = self.issuer.verify(token)
        except TokenError as exc:
            return auth_error(403, "bad_jwt", f"invalid JWT: {exc}")
        sub = claims.get("sub")
        session_id = claims.get("session_id")
        if claims.get("role") != "authenticated" or not sub or not session_id:
            return auth_error(403, "bad_jwt", "invalid JWT: missing sub or session_id claim")
        try:
            user_id, sid = uuid.UUID(sub), uuid.UUID(session_id)
        except ValueError:
            return auth_error(403, "bad_jwt", "invalid JWT: malformed sub or session_id claim")
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                f"""select {USER_COLUMNS}, exists(
                        select 1 from auth.sessions s where s.id = $2 and s.user_id = u.id
                    ) as has_session
                    from auth.users u where u.id = $1""",
                user_id,
                sid,
            )
        if row is None:
            return auth_error(403, "user_not_found", "User from sub claim in JWT does not exist")
        if not row["has_session"]:
            return auth_error(
                403, "session_not_found", "Session from session_id claim in JWT does not exist"
            )
        return claims, row

    # --- routes --------------------------------------------------------------------------
    async def signup(self, request: Request) -> Response:
        body = await self._body(request)
        if body is None:
            return auth_error(400, "bad_json", "Could not parse request body as JSON")
        email = str(body.get("email") or "").strip().lower()
        password = body.get("password")
        if refused := self._credentials_refused(email, password, password_required=True):
            return refused
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        async with self.pool.acquire() as conn, conn.transaction():
            user = await conn.fetchrow(
                f"""insert into auth.users (email, encrypted_password, email_confirmed_at,
                        last_sign_in_at, raw_user_meta_data)
                    values ($1, extensions.crypt($2, extensions.gen_salt('bf')), now(), now(), $3::jsonb)
                    on conflict (email) do nothing
                    returning {USER_COLUMNS}""",
                email,
                password,
                json.dumps(data),
            )
            if user is None:
                return auth_error(422, "user_already_exists", "User already registered")
            session_id, refresh = await self._new_session(conn, user["id"])
            return self._session_response(user, session_id, refresh)

    def _client_ip(self, request: Request) -> str:
        """The key of the caller's bucket: the peer, or Sb-Forwarded-For (see the docstring)."""
        forwarded = request.headers.get("sb-forwarded-for")
        trusted = self.sb_forwarded_for_enabled and getattr(request.state, "api_key_is_secret",
                                                            False)
        ip = _forwarded_ip(forwarded) if forwarded and trusted else None
        return ip or (request.client.host if request.client else "unknown")

    async def token(self, request: Request) -> Response:
        grant = request.query_params.get("grant_type")
        if grant not in ("password", "refresh_token"):
            return auth_error(400, "unsupported_grant_type", f"unsupported_grant_type: {grant}")
        if not self.buckets.take(self._client_ip(request)):
            return auth_error(429, "over_request_rate_limit", "Request rate limit reached")
        body = await self._body(request)
        if body is None:
            return auth_error(400, "bad_json", "Could not parse request body as JSON")
        if grant == "password":
            return await self._password_grant(body)
        return await self._refresh_grant(body)

    async def _password_grant(self, body: dict) -> Response:
        email = str(body.get("email") or "").strip().lower()
        password = body.get("password")
        if not email or not isinstance(password, str) or not password:
            return auth_error(400, "validation_failed", "missing email or phone")
        async with self.pool.acquire() as conn, conn.transaction():
            user = await conn.fetchrow(
                f"""update auth.users set last_sign_in_at = now()
                    where email = $1 and encrypted_password = extensions.crypt($2, encrypted_password)
                      and (banned_until is null or banned_until < now())
                    returning {USER_COLUMNS}""",
                email,
                password,
            )
            if user is None:
                return auth_error(400, "invalid_credentials", "Invalid login credentials")
            session_id, refresh = await self._new_session(conn, user["id"])
            return self._session_response(user, session_id, refresh)

    async def _refresh_grant(self, body: dict) -> Response:
        token = body.get("refresh_token")
        if not isinstance(token, str) or not token:
            return auth_error(400, "validation_failed", "refresh_token required")
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """select id, user_id, session_id, revoked, updated_at
                   from auth.refresh_tokens where token = $1 for update""",
                token,
            )
            if row is None:
                return auth_error(
                    400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"
                )
            if row["revoked"]:
                child = await conn.fetchval(
                    """select token from auth.refresh_tokens
                       where session_id = $1 and parent = $2 and not revoked""",
                    row["session_id"],
                    token,
                )
                recent = time.time() - row["updated_at"].timestamp() < REFRESH_REUSE_INTERVAL_S
                if child is None or not recent:
                    # Reuse of a spent token: someone else may hold it. End the whole session.
                    await conn.execute("delete from auth.sessions where id = $1", row["session_id"])
                    return auth_error(
                        400, "refresh_token_already_used", "Invalid Refresh Token: Already Used"
                    )
                new_token = child
            else:
                new_token = secrets.token_urlsafe(16)
                await conn.execute(
                    "update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1",
                    row["id"],
                )
                await conn.execute(
                    """insert into auth.refresh_tokens (token, user_id, session_id, parent)
                       values ($1, $2, $3, $4)""",
                    new_token,
                    row["user_id"],
                    row["session_id"],
                    token,
                )
                await conn.execute(
                    "update auth.sessions set refreshed_at = now(), updated_at = now() where id = $1",
                    row["session_id"],
                )
            user = await conn.fetchrow(
                f"select {USER_COLUMNS} from auth.users where id = $1", row["user_id"]
            )
            if user is None:
                return auth_error(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
            return self._session_response(user, str(row["session_id"]), new_token)

    async def user(self, request: Request) -> Response:
        found = await self._user_from_token(request)
        if isinstance(found, Response):
            return found
        _, row = found
        return ok(user_json(row))

    async def logout(self, request: Request) -> Response:
        scope = request.query_params.get("scope", "global")
        if scope not in ("global", "local", "others"):
            return auth_error(400, "validation_failed", "Unsupported logout scope")
        found = await self._user_from_token(request)
        if isinstance(found, Response):
            return found
        claims, row = found
        sid = uuid.UUID(claims["session_id"])
        async with self.pool.acquire() as conn:
            if scope == "global":
                await conn.execute("delete from auth.sessions where user_id = $1", row["id"])
            elif scope == "local":
                await conn.execute("delete from auth.sessions where id = $1", sid)
            else:
                await conn.execute(
                    "delete from auth.sessions where user_id = $1 and id <> $2", row["id"], sid
                )
        return Response(status_code=204, headers=API_VERSION_HEADERS)

    async def jwks(self, request: Request) -> Response:
        return ok(self.issuer.jwks())

    # --- admin ---------------------------------------------------------------------------
    def _is_admin(self, request: Request) -> JSONResponse | None:
        token = self._bearer(request)
        if token is None:
            # With a new key and no Authorization, the gateway makes the key's own role apply.
            if getattr(request.state, "api_key_role", None) == "service_role":
                return None
            return auth_error(401, "no_authorization", "This endpoint requires a valid Bearer token")
        try:
            claims = self.issuer.verify(token)
        except TokenError as exc:
            return auth_error(403, "bad_jwt", f"invalid JWT: {exc}")
        if claims.get("role") != "service_role":
            return auth_error(403, "not_admin", "User not allowed")
        return None

    async def admin_users(self, request: Request) -> Response:
        if refused := self._is_admin(request):
            return refused
        if request.method == "POST":
            return await self._admin_create_user(request)
        try:
            # Empty values mean "default", as in GoTrue (supabase-py sends `page=` for None).
            page = max(1, int(request.query_params.get("page") or "1"))
            per_page = max(1, min(1000, int(request.query_params.get("per_page") or "50")))
        except ValueError:
            return auth_error(400, "validation_failed", "page and per_page must be numbers")
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"select {USER_COLUMNS} from auth.users order by created_at, id limit $1 offset $2",
                per_page,
                (page - 1) * per_page,
            )
        return ok({"aud": "authenticated", "users": [user_json(r) for r in rows]})

    async def _admin_create_user(self, request: Request) -> Response:
        body = await self._body(request)
        if body is None:
            return auth_error(400, "bad_json", "Could not parse request body as JSON")
        email = str(body.get("email") or "").strip().lower()
        password = body.get("password")
        if refused := self._credentials_refused(email, password, password_required=False):
            return refused
        user_meta = body.get("user_metadata") or body.get("data") or {}
        async with self.pool.acquire() as conn:
            user = await conn.fetchrow(
                f"""insert into auth.users (email, encrypted_password, email_confirmed_at,
                        raw_user_meta_data)
                    values ($1, case when $2::text is null then null
                                     else extensions.crypt($2::text, extensions.gen_salt('bf')) end,
                            case when $3 then now() end, $4::jsonb)
                    on conflict (email) do nothing
                    returning {USER_COLUMNS}""",
                email,
                password,
                bool(body.get("email_confirm")),
                json.dumps(user_meta if isinstance(user_meta, dict) else {}),
            )
        if user is None:
            return auth_error(
                422, "email_exists", "A user with this email address has already been registered"
            )
        return ok(user_json(user))

    async def admin_user(self, request: Request) -> Response:
        if refused := self._is_admin(request):
            return refused
        try:
            user_id = uuid.UUID(request.path_params["user_id"])
        except ValueError:
            return auth_error(404, "user_not_found", "User not found")
        async with self.pool.acquire() as conn:
            if request.method == "DELETE":
                row = await conn.fetchrow(
                    f"delete from auth.users where id = $1 returning {USER_COLUMNS}", user_id
                )
            else:
                row = await conn.fetchrow(
                    f"select {USER_COLUMNS} from auth.users where id = $1", user_id
                )
        if row is None:
            return auth_error(404, "user_not_found", "User not found")
        return ok(user_json(row))

    async def health(self, request: Request) -> Response:
        return ok({"version": "devstack", "name": "GoTrue", "description": "Supabase Auth stand-in"})

    def routes(self) -> list[Route]:
        return [
            Route("/health", self.health, methods=["GET"]),
            Route("/signup", self.signup, methods=["POST"]),
            Route("/token", self.token, methods=["POST"]),
            Route("/user", self.user, methods=["GET"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/.well-known/jwks.json", self.jwks, methods=["GET"]),
            Route("/admin/users", self.admin_users, methods=["GET", "POST"]),
            Route("/admin/users/{user_id}", self.admin_user, methods=["GET", "DELETE"]),
        ]
