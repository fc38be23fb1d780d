"""Where the stand-ins live and what they are called: ports, folders, keys and injected latency.

`StackConfig.from_env()` is the one place that reads `DEVSTACK_*` variables. The keys are made
once per state folder (`secrets.json`) and kept, so `.devstack/env` stays valid across restarts.
Both generations of Supabase API keys are kept; `DEVSTACK_SUPABASE_KEYS` picks the one the
stand-in serves: `new` (the default: `sb_publishable_...` / `sb_secret_...`, ES256 tokens with a
JWKS) or `legacy` (JWT `anon` / `service_role` keys, HS256 tokens). See devstack/README.md.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import jwt

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Supabase's local stack signs its demo keys with this issuer; clients never look at it.
JWT_ISSUER = "supabase-demo"
# Fixed issue time, so the same secret always gives the same project keys.
KEYS_ISSUED_AT = 1_767_225_600  # 2026-01-01
KEYS_EXPIRE_AT = KEYS_ISSUED_AT + 20 * 365 * 24 * 3600

KEY_GENERATIONS = ("new", "legacy")
# GoTrue's default GOTRUE_RATE_LIMIT_TOKEN_REFRESH: /token requests (password and refresh grants
# together) per 5 minutes per client IP, i.e. 1,800 an hour (supabase/auth
# internal/conf/configuration.go, internal/api/apilimiter/apilimiter.go).
DEFAULT_TOKEN_REFRESH_RATE_LIMIT = 150


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise SystemExit(f"{name} must not be negative, got {raw!r}")
    return value


def _key_generation() -> str:
    raw = os.environ.get("DEVSTACK_SUPABASE_KEYS", "").strip().lower() or "new"
    if raw not in KEY_GENERATIONS:
        raise SystemExit(f"DEVSTACK_SUPABASE_KEYS must be one of {', '.join(KEY_GENERATIONS)}, "
                         f"got {raw!r}")
    return raw


@dataclass(frozen=True)
class Secrets:
    """The keys of one local stack. Generated once, then read back from `secrets.json`."""

    jwt_secret: str
    postgres_password: str
    authenticator_password: str
    stripe_secret_key: str
    stripe_webhook_secret: str
    # The new generation's API keys: opaque strings, not JWTs.
    publishable_key: str
    secret_key: str

    @staticmethod
    def _fresh() -> dict[str, str]:
        return {
            "jwt_secret": secrets.token_urlsafe(48),
            "postgres_password": secrets.token_urlsafe(24),
            "authenticator_password": secrets.token_urlsafe(24),
            "stripe_secret_key": "sk_test_devstack_" + secrets.token_hex(20),
            "stripe_webhook_secret": "whsec_" + secrets.token_hex(24),
            "publishable_key": "sb_publishable_" + secrets.token_urlsafe(24),
            "secret_key": "sb_secret_" + secrets.token_urlsafe(24),
        }

    @classmethod
    def load_or_create(cls, path: Path) -> Secrets:
        """The folder's keys; any a folder made by an older devstack lacks are added."""
        kept = json.loads(path.read_text()) if path.exists() else {}
        values = {**cls._fresh(), **kept}
        if values != kept:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2))
            path.chmod(0o600)
        return cls(**values)

    def legacy_key(self, role: str) -> str:
        """A legacy project key (anon or service_role): a long-lived JWT, signed HS256."""
        claims = {"iss": JWT_ISSUER, "role": role, "iat": KEYS_ISSUED_AT, "exp": KEYS_EXPIRE_AT}
        return jwt.encode(claims, self.jwt_secret, algorithm="HS256")

    def new_key(self, role: str) -> str:
        """A new-generation key: sb_publishable_... for anon, sb_secret_... for service_role."""
        return {"anon": self.publishable_key, "service_role": self.secret_key}[role]


@dataclass(frozen=True)
class StackConfig:
    """Everything the stand-ins and their callers need to find each other."""

    state_dir: Path
    host: str = "127.0.0.1"
    supabase_port: int = 54321
    postgres_port: int = 54322
    stripe_port: int = 12111
    auth_latency_ms: int = 0
    rest_latency_ms: int = 0
    stripe_latency_ms: int = 0
    # Where the Stripe stand-in posts signed events; None until someone points it at an app.
    webhook_url: str | None = None
    # Which Supabase key generation the stand-in serves: "new" or "legacy".
    supabase_keys: str = "new"
    # Auth's /token bucket: requests per 5 minutes per client IP, burst 30, as GoTrue counts.
    token_refresh_rate_limit: int = DEFAULT_TOKEN_REFRESH_RATE_LIMIT
    secrets: Secrets = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.supabase_keys not in KEY_GENERATIONS:
            raise ValueError(f"supabase_keys must be one of {KEY_GENERATIONS}")
        object.__setattr__(self, "secrets", Secrets.load_or_create(self.secrets_file))

    @classmethod
    def from_env(cls, state_dir: Path | None = None) -> StackConfig:
        env_dir = os.environ.get("DEVSTACK_DIR")
        return cls(
            state_dir=Path(state_dir or env_dir or PROJECT_ROOT / ".devstack").resolve(),
            supabase_port=_int_env("DEVSTACK_SUPABASE_PORT", 54321),
            postgres_port=_int_env("DEVSTACK_POSTGRES_PORT", 54322),
            stripe_port=_int_env("DEVSTACK_STRIPE_PORT", 12111),
            auth_latency_ms=_int_env("DEVSTACK_AUTH_LATENCY_MS", 0),
            rest_latency_ms=_int_env("DEVSTACK_REST_LATENCY_MS", 0),
            stripe_latency_ms=_int_env("DEVSTACK_STRIPE_LATENCY_MS", 0),
            webhook_url=os.environ.get("DEVSTACK_WEBHOOK_URL") or None,
            supabase_keys=_key_generation(),
            token_refresh_rate_limit=_int_env("DEVSTACK_RATE_LIMIT_TOKEN_REFRESH",
                                              DEFAULT_TOKEN_REFRESH_RATE_LIMIT),
        )

    # --- folders -------------------------------------------------------------------------
    @property
    def secrets_file(self) -> Path:
        return self.state_dir / "secrets.json"

    @property
    def env_file(self) -> Path:
        return self.state_dir / "env"

    @property
    def postgres_dir(self) -> Path:
        return self.state_dir / "postgres"

    @property
    def signing_keys_file(self) -> Path:
        """The Auth stand-in's ES256 signing keys (new generation), current first."""
        return self.state_dir / "signing-keys.json"

    @property
    def stripe_state_file(self) -> Path:
        return self.state_dir / "stripe-state.json"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def run_file(self) -> Path:
        """What `up` started, so that `down` stops exactly that."""
        return self.state_dir / "running.json"

    # --- addresses -----------------------------------------------------------------------
    @property
    def supabase_url(self) -> str:
        return f"http://{self.host}:{self.supabase_port}"

    @property
    def stripe_api_base(self) -> str:
        return f"http://{self.host}:{self.stripe_port}"

    def database_url(self, user: str = "postgres", password: str | None = None) -> str:
        password = self.secrets.postgres_password if password is None else password
        return f"postgresql://{user}:{password}@{self.host}:{self.postgres_port}/postgres"

    @property
    def authenticator_url(self) -> str:
        """How the REST stand-in connects, like PostgREST: as `authenticator`, then SET ROLE."""
        return self.database_url("authenticator", self.secrets.authenticator_password)

    # --- keys ----------------------------------------------------------------------------
    @property
    def legacy_keys(self) -> bool:
        return self.supabase_keys == "legacy"

    def api_key(self, role: str) -> str:
        """The project's API key for `role` (anon or service_role) in the served generation."""
        return self.secrets.legacy_key(role) if self.legacy_keys else self.secrets.new_key(role)

    def key_headers(self, role: str) -> dict[str, str]:
        """How a client sends the key with no user signed in: in `apikey`, and, for a legacy JWT
        key, also as the Bearer token (as supabase-py does). A new `sb_` key never goes there:
        the gateway refuses it (see devstack/README.md)."""
        key = self.api_key(role)
        return {"apikey": key, **({"Authorization": f"Bearer {key}"} if self.legacy_keys else {})}

    # --- what the app reads --------------------------------------------------------------
    def app_env(self) -> dict[str, str]:
        """The variables written to `.devstack/env`, in the names the app reads: the new names
        for the new generation, the old names (which the app accepts as aliases) for legacy."""
        names = (("SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY") if self.legacy_keys
                 else ("SUPABASE_PUBLISHABLE_KEY", "SUPABASE_SECRET_KEY"))
        return {
            "SUPABASE_URL": self.supabase_url,
            names[0]: self.api_key("anon"),
            names[1]: self.api_key("service_role"),
            "STRIPE_SECRET_KEY": self.secrets.stripe_secret_key,
            "STRIPE_API_BASE": self.stripe_api_base,
            "STRIPE_WEBHOOK_SECRET": self.secrets.stripe_webhook_secret,
            "DATABASE_URL": self.database_url(),
        }
