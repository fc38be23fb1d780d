"""Where the stand-ins live and what they are called: ports, folders, keys and injected latency.

`StackConfig.from_env()` is the one place that reads `DEVSTACK_*` variables. The keys are made
once per state folder (`secrets.json`) and kept, so `.devstack/env` stays valid across restarts.
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


@dataclass(frozen=True)
class Secrets:
    """The keys of one local stack. Generated once, then read back from `secrets.json`."""

    jwt_secret: str
    postgres_password: str
    authenticator_password: str
    stripe_secret_key: str
    stripe_webhook_secret: str

    @classmethod
    def load_or_create(cls, path: Path) -> Secrets:
        if path.exists():
            return cls(**json.loads(path.read_text()))
        made = cls(
            jwt_secret=secrets.token_urlsafe(48),
            postgres_password=secrets.token_urlsafe(24),
            authenticator_password=secrets.token_urlsafe(24),
            stripe_secret_key="sk_test_devstack_" + secrets.token_hex(20),
            stripe_webhook_secret="whsec_" + secrets.token_hex(24),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(made.__dict__, indent=2))
        path.chmod(0o600)
        return made

    def api_key(self, role: str) -> str:
        """A long-lived project key (anon or service_role), a JWT as on Supabase."""
        claims = {"iss": JWT_ISSUER, "role": role, "iat": KEYS_ISSUED_AT, "exp": KEYS_EXPIRE_AT}
        return jwt.encode(claims, self.jwt_secret, algorithm="HS256")


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
    secrets: Secrets = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
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

    # --- what the app reads --------------------------------------------------------------
    def app_env(self) -> dict[str, str]:
        """The variables written to `.devstack/env`, in the names the app reads."""
        return {
            "SUPABASE_URL": self.supabase_url,
            "SUPABASE_ANON_KEY": self.secrets.api_key("anon"),
            "SUPABASE_SERVICE_ROLE_KEY": self.secrets.api_key("service_role"),
            "STRIPE_SECRET_KEY": self.secrets.stripe_secret_key,
            "STRIPE_API_BASE": self.stripe_api_base,
            "STRIPE_WEBHOOK_SECRET": self.secrets.stripe_webhook_secret,
            "DATABASE_URL": self.database_url(),
        }
