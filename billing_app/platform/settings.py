"""The app's configuration, read once from the environment and `.env` (the environment wins).

`get_settings()` is the one reader: every bad or missing value raises `SettingsError`, whose
message names each variable to fix. `hosting_settings()` reads only what Reflex's own config
needs (rxconfig.py), so `reflex export` runs on a build machine that has no keys.
The README's Settings table documents every variable.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import limits
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from billing_app.platform.paths import BILLING
from billing_app.platform.tokens import unverified_claims

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(RuntimeError):
    """A setting is missing or invalid. The message names the variable and how to fix it;
    `variables` lists the variables named."""

    def __init__(self, message: str, variables: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.variables = variables


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL, got {value!r}.")
    if parts.query or parts.fragment:
        raise ValueError(f"must not have a query or fragment, got {value!r}.")
    # One trailing slash is dropped, so paths can be appended with "/...".
    return value.removesuffix("/")


# Supabase's two generations of API keys (its guide "Migrating to publishable and secret API
# keys"): new opaque keys by prefix, and legacy JWTs by the role they name. Either generation
# works in either variable, and a project may have both active at once.
NEW_KEYS = {"sb_publishable_": "anon", "sb_secret_": "service_role"}
KEY_NAMES = {"anon": "the publishable key (sb_publishable_..., or the legacy anon JWT)",
             "service_role": "the secret key (sb_secret_..., or the legacy service_role JWT)"}


def _supabase_key(value: SecretStr, role: str) -> SecretStr:
    """A new key must have its role's prefix; a legacy JWT key must name `role`."""
    key = value.get_secret_value()
    if key.startswith("sb_"):
        prefix = next((p for p in NEW_KEYS if key.startswith(p)), None)
        if prefix is None:
            raise ValueError(f"is an sb_ key of an unknown kind; it needs {KEY_NAMES[role]}.")
        if NEW_KEYS[prefix] != role:
            raise ValueError(f"holds an {prefix}... key; it needs {KEY_NAMES[role]}.")
        return value
    found = unverified_claims(key).get("role")  # a legacy key is a JWT naming its role
    if found is None:
        raise ValueError("is not a Supabase API key (neither an sb_ key nor a JWT).")
    if found != role:
        raise ValueError(f"holds a legacy key for the role {found!r}; it needs {KEY_NAMES[role]}.")
    return value


def is_new_key(key: SecretStr) -> bool:
    """An sb_ key (not a JWT): it goes in the `apikey` header only."""
    return key.get_secret_value().startswith("sb_")


# Older names that are accepted too, each read only when the documented name is unset or blank.
ALIASES = {
    "SITE_URL": "NEXT_PUBLIC_SITE_URL",
    # Reflex's own name: Reflex would keep its state in a REFLEX_REDIS_URL, and the app's
    # shared state must then live in the same Redis.
    "REDIS_URL": "REFLEX_REDIS_URL",
    # Supabase's names before its new API keys; either generation of key is accepted in both.
    "SUPABASE_PUBLISHABLE_KEY": "SUPABASE_ANON_KEY",
    "SUPABASE_SECRET_KEY": "SUPABASE_SERVICE_ROLE_KEY",
    # Before the plan picker the app sold one price; that one is a list of one.
    "STRIPE_PRICE_IDS": "STRIPE_PRICE_ID",
}


class _FromEnvironment(BaseSettings):
    """Variables by their documented names; a blank value counts as unset. A variable that is
    set, even to blank, hides the same name in `.env`."""

    model_config = SettingsConfigDict(env_file=PROJECT_ROOT / ".env", extra="ignore",
                                      frozen=True)
    # Read only to fill in the documented names (see ALIASES).
    next_public_site_url: str | None = Field(None, validation_alias="NEXT_PUBLIC_SITE_URL",
                                             exclude=True, repr=False)
    reflex_redis_url: str | None = Field(None, validation_alias="REFLEX_REDIS_URL",
                                         exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
        present = {k: v for k, v in stripped.items() if v != ""}
        for name, alias in ALIASES.items():
            if name not in present and alias in present:
                present[name] = present[alias]
        return present


class HostingSettings(_FromEnvironment):
    """What Reflex's own configuration needs: where users open the app, and the shared Redis."""

    site_url: str | None = Field(None, validation_alias="SITE_URL")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")

    @field_validator("site_url")
    @classmethod
    def _site_url(cls, value: str | None) -> str | None:
        return _http_url(value) if value else None

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        parts = urlsplit(value or "")
        if value and (parts.scheme not in ("redis", "rediss", "unix")
                      or not (parts.netloc or parts.path)):
            raise ValueError("must be a redis://, rediss:// or unix:// URL.")
        return value


class Settings(HostingSettings):
    """Every setting the running app reads. Keys are `SecretStr`: hidden in repr and logs."""

    supabase_url: str = Field(validation_alias="SUPABASE_URL")
    supabase_publishable_key: SecretStr = Field(validation_alias="SUPABASE_PUBLISHABLE_KEY")
    supabase_secret_key: SecretStr = Field(validation_alias="SUPABASE_SECRET_KEY")
    # Read only to fill in the two above (see ALIASES).
    supabase_anon_key: SecretStr | None = Field(None, validation_alias="SUPABASE_ANON_KEY",
                                                exclude=True, repr=False)
    supabase_service_role_key: SecretStr | None = Field(
        None, validation_alias="SUPABASE_SERVICE_ROLE_KEY", exclude=True, repr=False)
    # Send the client's IP to Supabase Auth in Sb-Forwarded-For (with the secret key), so its
    # per-IP limits count each user, not this server. Only for projects with IP address
    # forwarding turned on (README: Signing in).
    supabase_forward_client_ip: bool = Field(False, validation_alias="SUPABASE_FORWARD_CLIENT_IP")
    stripe_secret_key: SecretStr = Field(validation_alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: SecretStr = Field(validation_alias="STRIPE_WEBHOOK_SECRET")
    stripe_portal_config_id: str | None = Field(
        None, validation_alias="STRIPE_CUSTOMER_PORTAL_CONFIG_ID")
    # The prices the plan picker offers and Checkout accepts, in this order; empty offers every
    # active recurring price of an active product (billing/catalogue.py).
    stripe_price_ids: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias="STRIPE_PRICE_IDS")
    # Read only to fill in the one above (see ALIASES).
    stripe_price_id: str | None = Field(None, validation_alias="STRIPE_PRICE_ID", exclude=True,
                                        repr=False)
    stripe_api_base: str | None = Field(None, validation_alias="STRIPE_API_BASE")
    site_url: str = Field(validation_alias="SITE_URL")
    # Per-user limits on the actions that call Stripe (platform/rate_limits.py).
    portal_rate_limit: str = Field("10/minute", validation_alias="PORTAL_RATE_LIMIT")
    checkout_rate_limit: str = Field("5/minute", validation_alias="CHECKOUT_RATE_LIMIT")
    # Reads of a user's invoices (the billing page's Invoices section and GET /api/invoices).
    invoices_rate_limit: str = Field("60/minute", validation_alias="INVOICES_RATE_LIMIT")
    # Sign-in attempts, counted before Supabase is asked (platform/rate_limits.py).
    sign_in_email_rate_limit: str = Field("5/minute", validation_alias="SIGN_IN_EMAIL_RATE_LIMIT")
    sign_in_ip_rate_limit: str = Field("20/minute", validation_alias="SIGN_IN_IP_RATE_LIMIT")
    # How long one call may take, and how often a failed Stripe call is tried again (with one
    # Idempotency-Key). The defaults keep a click's worst case near 10 s.
    supabase_timeout_s: float = Field(5.0, gt=0, validation_alias="SUPABASE_TIMEOUT_S")
    stripe_timeout_s: float = Field(3.0, gt=0, validation_alias="STRIPE_TIMEOUT_S")
    stripe_max_retries: int = Field(2, ge=0, le=5, validation_alias="STRIPE_MAX_RETRIES")
    redis_timeout_s: float = Field(2.0, gt=0, validation_alias="REDIS_TIMEOUT_S")

    @field_validator("supabase_url", "stripe_api_base")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        return _http_url(value) if value else None

    @field_validator("supabase_publishable_key")
    @classmethod
    def _publishable_key(cls, value: SecretStr) -> SecretStr:
        return _supabase_key(value, "anon")

    @field_validator("supabase_secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr) -> SecretStr:
        return _supabase_key(value, "service_role")

    @field_validator("stripe_secret_key")
    @classmethod
    def _stripe_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("sk_test_", "sk_live_", "rk_test_",
                                                     "rk_live_")):
            raise ValueError("must be a secret key (sk_test_..., sk_live_...) or a restricted "
                             "key (rk_...). A publishable pk_ key can't create portal sessions.")
        return value

    @field_validator("stripe_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("whsec_"):
            raise ValueError("must start with whsec_.")
        return value

    @field_validator("stripe_portal_config_id")
    @classmethod
    def _portal_config(cls, value: str | None) -> str | None:
        if value and not value.startswith("bpc_"):
            raise ValueError(f"must look like bpc_..., got {value!r}. Leave it unset to use "
                             "the portal's default configuration.")
        return value

    @field_validator("stripe_price_ids", mode="before")
    @classmethod
    def _prices(cls, value: Any) -> tuple[str, ...]:
        """A comma-separated list of price ids, blanks and repeats dropped."""
        items = value.split(",") if isinstance(value, str) else list(value or ())
        ids = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
        if wrong := [i for i in ids if not re.fullmatch(r"price_\w+", i, re.ASCII)]:
            raise ValueError(f"must be price ids (price_...) separated by commas, got "
                             f"{', '.join(map(repr, wrong))}.")
        return ids

    @field_validator("portal_rate_limit", "checkout_rate_limit", "invoices_rate_limit",
                     "sign_in_email_rate_limit", "sign_in_ip_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        """One rate in the `limits` package's notation: "10/minute", "100 per hour"."""
        try:
            parsed = limits.parse_many(value)
        except ValueError:
            parsed = []
        if len(parsed) != 1 or parsed[0].amount < 1:
            raise ValueError(f"must be one rate of at least 1, like 10/minute or 100 per hour; "
                             f"got {value!r}.")
        return value

    @model_validator(mode="after")
    def _forwarding_needs_the_secret_key(self) -> Settings:
        # An address in Sb-Forwarded-For decides whose limit a request spends, so it goes only
        # with the key that proves this is the server (Supabase's docs name no other).
        if self.supabase_forward_client_ip and not is_new_key(self.supabase_secret_key):
            raise ValueError("SUPABASE_FORWARD_CLIENT_IP needs a new secret key (sb_secret_...) "
                             "in SUPABASE_SECRET_KEY: the client's address is sent to Supabase "
                             "Auth (Sb-Forwarded-For) only with one.")
        return self

    @property
    def billing_url(self) -> str:
        """Where Stripe sends users back to: always this, never from a request."""
        return f"{self.site_url}{BILLING}"

    @property
    def secure_cookies(self) -> bool:
        return self.site_url.startswith("https://")


def environment_names() -> frozenset[str]:
    """Every variable `Settings` reads, aliases included (devstack clears them for its runs)."""
    return frozenset(str(field.validation_alias) for field in Settings.model_fields.values())


def _explain(exc: ValidationError) -> str:
    """One line per bad variable, each naming it."""
    lines = []
    for error in exc.errors():
        if not error["loc"]:  # a rule about several variables names them itself
            lines.append(str(error["ctx"]["error"]) if "ctx" in error else error["msg"])
            continue
        name = str(error["loc"][0])
        if error["type"] == "missing":
            also = f" ({ALIASES[name]} is accepted too)" if name in ALIASES else ""
            lines.append(f"{name} is not set{also}. Set it in the environment or in .env "
                         "(see .env.example).")
        else:
            # A value may have come from the accepted older name: name both.
            label = f"{name} (or {ALIASES[name]})" if name in ALIASES else name
            if error["type"] == "value_error":
                lines.append(f"{label} {error['ctx']['error']}")
            else:
                lines.append(f"{label}: {error['msg']}.")
    return "\n".join(lines)


def _load(model: type[BaseSettings]) -> Any:
    try:
        return model()
    except ValidationError as exc:
        named = tuple(dict.fromkeys(str(e["loc"][0]) for e in exc.errors() if e["loc"]))
        raise SettingsError(_explain(exc), named) from None


def load_settings() -> Settings:
    """Read and validate every setting. Raises SettingsError naming each bad variable."""
    return _load(Settings)


def hosting_settings() -> HostingSettings:
    return _load(HostingSettings)


@functools.cache
def get_settings() -> Settings:
    return load_settings()
