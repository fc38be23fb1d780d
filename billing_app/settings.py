"""The app's configuration: read once at start from the environment and `.env`, then validated.

`get_settings()` returns the one `Settings` object. A missing or invalid value raises
`SettingsError`, whose message names the variable, and the app refuses to start. Values already
in the environment win over `.env` (python-dotenv's default), so a deployment's real settings are
never shadowed by a forgotten local file.

| variable                          | required | notes                                         |
|-----------------------------------|----------|-----------------------------------------------|
| SUPABASE_URL                      | yes      | https://<project>.supabase.co                 |
| SUPABASE_ANON_KEY                 | yes      | the publishable (anon) key                    |
| SUPABASE_SERVICE_ROLE_KEY         | yes      | webhook writes only; never sent to a browser  |
| STRIPE_SECRET_KEY                 | yes      | sk_live_/sk_test_ (or a restricted rk_ key)   |
| STRIPE_WEBHOOK_SECRET             | yes      | whsec_..., the webhook endpoint's secret      |
| STRIPE_CUSTOMER_PORTAL_CONFIG_ID  | no       | bpc_...; unset means Stripe's default         |
| STRIPE_PRICE_ID                   | no       | price_... that Subscribe sells; unset: the    |
|                                   |          | first active recurring price                  |
| STRIPE_API_BASE                   | no       | another Stripe API address (the stand-in)     |
| SITE_URL (or NEXT_PUBLIC_SITE_URL)| yes      | where users reach the app; portal return URL  |
| REDIS_URL (or REFLEX_REDIS_URL)   | no       | redis://...; shared state for several         |
|                                   |          | instances (Reflex state, sign-in codes, ...)  |
| PORTAL_RATE_LIMIT                 | no       | portal sessions per user, "10/minute" unset   |
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import limits
from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_PORTAL_RATE_LIMIT = "10/minute"


class SettingsError(RuntimeError):
    """A setting is missing or invalid. The message names the variable and how to fix it."""


@dataclass(frozen=True)
class Settings:
    supabase_url: str
    supabase_anon_key: str
    supabase_service_role_key: str
    stripe_secret_key: str
    stripe_webhook_secret: str
    stripe_portal_config_id: str | None
    stripe_price_id: str | None
    stripe_api_base: str | None
    site_url: str
    redis_url: str | None = None
    portal_rate_limit: str = DEFAULT_PORTAL_RATE_LIMIT

    @property
    def billing_url(self) -> str:
        """Where Stripe's portal sends users back to: always this, never from a request."""
        return f"{self.site_url}/dashboard/settings/billing"

    @property
    def secure_cookies(self) -> bool:
        return self.site_url.startswith("https://")

    def __repr__(self) -> str:
        # Keys stay out of logs and tracebacks even when the object is printed.
        return f"Settings(supabase_url={self.supabase_url!r}, site_url={self.site_url!r}, ...)"


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(
            f"{name} is not set. Set it in the environment or in .env (see .env.example)."
        )
    return value


def _optional(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an absolute http(s) URL, got {value!r}.")
    if parts.query or parts.fragment:
        raise SettingsError(f"{name} must not have a query or fragment, got {value!r}.")
    # One trailing slash is dropped, so paths can be appended with "/...".
    return value.removesuffix("/")


def _redis_url() -> str | None:
    # Reflex's own name for it is accepted too: Reflex would use a REFLEX_REDIS_URL for its
    # state and workers, and the app's shared state must then live in the same Redis.
    name = "REDIS_URL" if _optional("REDIS_URL") else "REFLEX_REDIS_URL"
    value = _optional(name)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise SettingsError(f"{name} must be a redis://, rediss:// or unix:// URL.")
    return value


def _rate_limit(name: str, value: str | None, default: str) -> str:
    """One rate in the `limits` package's notation: "10/minute", "100 per hour", "5/30 seconds"."""
    if value is None:
        return default
    try:
        parsed = limits.parse_many(value)
    except ValueError:
        parsed = []
    if len(parsed) != 1 or parsed[0].amount < 1:
        raise SettingsError(
            f"{name} must be one rate of at least 1, like 10/minute or 100 per hour; "
            f"got {value!r}."
        )
    return value


def _jwt_role(value: str) -> str | None:
    """The `role` claim of a legacy JWT-style Supabase key; None for the newer sb_ keys."""
    if value.startswith("sb_"):
        return None
    try:
        return jwt.decode(value, options={"verify_signature": False}).get("role")
    except jwt.InvalidTokenError:
        return "invalid"


def _supabase_key(name: str, expected_role: str, new_prefix: str) -> str:
    value = _required(name)
    role = _jwt_role(value)
    if value.startswith("sb_"):
        if not value.startswith(new_prefix):
            raise SettingsError(f"{name} must be a {new_prefix}... key, got a different sb_ key.")
    elif role == "invalid":
        raise SettingsError(f"{name} is not a Supabase API key (neither a JWT nor an sb_ key).")
    elif role != expected_role:
        raise SettingsError(f"{name} holds a key for the role {role!r}; it needs {expected_role!r}.")
    return value


def redis_url_for_reflex() -> str | None:
    """REDIS_URL, validated, for rxconfig.py: Reflex reads its config before the app is imported,
    and keeps its state in Redis when the config has a `redis_url`. One variable drives both
    Reflex's state and the app's own shared state (sign-in codes)."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    return _redis_url()


def load_settings() -> Settings:
    """Read and validate every setting. Raises SettingsError naming the first bad variable."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)

    stripe_key = _required("STRIPE_SECRET_KEY")
    if not stripe_key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
        raise SettingsError(
            "STRIPE_SECRET_KEY must be a secret key (sk_test_..., sk_live_...) or a restricted "
            "key (rk_...). A publishable pk_ key can't create portal sessions."
        )
    webhook_secret = _required("STRIPE_WEBHOOK_SECRET")
    if not webhook_secret.startswith("whsec_"):
        raise SettingsError("STRIPE_WEBHOOK_SECRET must start with whsec_.")
    config_id = _optional("STRIPE_CUSTOMER_PORTAL_CONFIG_ID")
    if config_id is not None and not config_id.startswith("bpc_"):
        raise SettingsError(
            f"STRIPE_CUSTOMER_PORTAL_CONFIG_ID must look like bpc_..., got {config_id!r}. "
            "Leave it unset to use the portal's default configuration."
        )
    price_id = _optional("STRIPE_PRICE_ID")
    if price_id is not None and not price_id.startswith("price_"):
        raise SettingsError(f"STRIPE_PRICE_ID must look like price_..., got {price_id!r}.")
    api_base = _optional("STRIPE_API_BASE")

    site_name = "SITE_URL" if _optional("SITE_URL") else "NEXT_PUBLIC_SITE_URL"
    if _optional(site_name) is None:
        raise SettingsError(
            "SITE_URL is not set (NEXT_PUBLIC_SITE_URL is accepted too). Set it to the address "
            "users open the app at, e.g. https://app.example.com."
        )

    return Settings(
        supabase_url=_http_url("SUPABASE_URL", _required("SUPABASE_URL")),
        supabase_anon_key=_supabase_key("SUPABASE_ANON_KEY", "anon", "sb_publishable_"),
        supabase_service_role_key=_supabase_key(
            "SUPABASE_SERVICE_ROLE_KEY", "service_role", "sb_secret_"
        ),
        stripe_secret_key=stripe_key,
        stripe_webhook_secret=webhook_secret,
        stripe_portal_config_id=config_id,
        stripe_price_id=price_id,
        stripe_api_base=_http_url("STRIPE_API_BASE", api_base) if api_base else None,
        site_url=_http_url(site_name, _required(site_name)),
        redis_url=_redis_url(),
        portal_rate_limit=_rate_limit(
            "PORTAL_RATE_LIMIT", _optional("PORTAL_RATE_LIMIT"), DEFAULT_PORTAL_RATE_LIMIT
        ),
    )


@functools.cache
def get_settings() -> Settings:
    return load_settings()
