"""Settings: every bad or missing value stops the app with a message naming the variable."""

from __future__ import annotations

import os

import jwt
import pytest

from billing_app import settings as settings_module
from billing_app.settings import SettingsError, load_settings

SECRET = "unit-test-secret-unit-test-secret-unit"
ANON = jwt.encode({"role": "anon"}, SECRET, algorithm="HS256")
SERVICE = jwt.encode({"role": "service_role"}, SECRET, algorithm="HS256")

VALID = {
    "SUPABASE_URL": "https://abc.supabase.co",
    "SUPABASE_ANON_KEY": ANON,
    "SUPABASE_SERVICE_ROLE_KEY": SERVICE,
    "STRIPE_SECRET_KEY": "sk_test_123",
    "STRIPE_WEBHOOK_SECRET": "whsec_abc",
    "SITE_URL": "https://app.example.com",
}
ALL_NAMES = [*VALID, "NEXT_PUBLIC_SITE_URL", "STRIPE_CUSTOMER_PORTAL_CONFIG_ID", "STRIPE_API_BASE",
             "STRIPE_PRICE_ID", "REDIS_URL", "REFLEX_REDIS_URL", "PORTAL_RATE_LIMIT"]


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment holding VALID, with no .env file to fall back on. os.environ is a
    copy for the test, since python-dotenv writes what it loads into the process environment."""
    monkeypatch.setattr(settings_module, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(os, "environ", os.environ.copy())
    for name in ALL_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in VALID.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_valid_settings_load(env):
    s = load_settings()
    assert s.site_url == "https://app.example.com"
    assert s.billing_url == "https://app.example.com/dashboard/settings/billing"
    assert s.stripe_portal_config_id is None and s.stripe_api_base is None
    assert s.secure_cookies


@pytest.mark.parametrize("name", list(VALID))
def test_a_missing_setting_is_named(env, name):
    env.delenv(name)
    with pytest.raises(SettingsError, match=name):
        load_settings()


@pytest.mark.parametrize("name,value", [
    ("SUPABASE_URL", "abc.supabase.co"),
    ("SUPABASE_URL", "ftp://abc.supabase.co"),
    ("SITE_URL", "app.example.com"),
    ("SITE_URL", "https://app.example.com/?x=1"),
    ("STRIPE_SECRET_KEY", "pk_test_123"),
    ("STRIPE_WEBHOOK_SECRET", "secret"),
    ("STRIPE_CUSTOMER_PORTAL_CONFIG_ID", "conf_123"),
    ("STRIPE_API_BASE", "localhost:12111"),
    ("STRIPE_PRICE_ID", "prod_123"),
    ("REDIS_URL", "http://localhost:6379"),
    ("REFLEX_REDIS_URL", "localhost:6379"),
    ("PORTAL_RATE_LIMIT", "ten a minute"),
    ("PORTAL_RATE_LIMIT", "10/fortnight"),
    ("PORTAL_RATE_LIMIT", "0/minute"),
    ("PORTAL_RATE_LIMIT", "-1/minute"),
    ("PORTAL_RATE_LIMIT", "10/minute;100/hour"),
    ("SUPABASE_ANON_KEY", "not-a-key"),
    ("SUPABASE_ANON_KEY", SERVICE),
    ("SUPABASE_SERVICE_ROLE_KEY", ANON),
    ("SUPABASE_SERVICE_ROLE_KEY", "sb_publishable_abc"),
])
def test_an_invalid_setting_is_named(env, name, value):
    env.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_next_public_site_url_is_accepted_and_one_trailing_slash_dropped(env):
    env.delenv("SITE_URL")
    env.setenv("NEXT_PUBLIC_SITE_URL", "http://localhost:3000/")
    s = load_settings()
    assert s.site_url == "http://localhost:3000"
    assert not s.secure_cookies


def test_site_url_wins_over_the_alias(env):
    env.setenv("NEXT_PUBLIC_SITE_URL", "https://other.example.com")
    assert load_settings().site_url == "https://app.example.com"


def test_optional_settings_are_kept(env):
    env.setenv("STRIPE_CUSTOMER_PORTAL_CONFIG_ID", "bpc_123")
    env.setenv("STRIPE_API_BASE", "http://127.0.0.1:12111/")
    env.setenv("STRIPE_PRICE_ID", "price_123")
    env.setenv("REDIS_URL", "redis://localhost:6379/0")
    s = load_settings()
    assert s.stripe_price_id == "price_123" and s.redis_url == "redis://localhost:6379/0"
    assert s.stripe_portal_config_id == "bpc_123"
    assert s.stripe_api_base == "http://127.0.0.1:12111"


def test_the_portal_rate_limit_is_ten_a_minute_unless_set(env):
    assert load_settings().portal_rate_limit == "10/minute"
    env.setenv("PORTAL_RATE_LIMIT", "30 per hour")
    assert load_settings().portal_rate_limit == "30 per hour"


def test_new_style_supabase_keys_are_accepted(env):
    env.setenv("SUPABASE_ANON_KEY", "sb_publishable_abc")
    env.setenv("SUPABASE_SERVICE_ROLE_KEY", "sb_secret_abc")
    assert load_settings().supabase_anon_key == "sb_publishable_abc"


def test_dotenv_fills_in_but_never_overrides(env, tmp_path):
    (tmp_path / ".env").write_text("STRIPE_CUSTOMER_PORTAL_CONFIG_ID=bpc_from_file\nSITE_URL=https://file.example.com\n")
    s = load_settings()
    assert s.stripe_portal_config_id == "bpc_from_file"
    assert s.site_url == "https://app.example.com"


def test_the_repr_hides_every_key(env):
    text = repr(load_settings())
    for name in ("SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "STRIPE_SECRET_KEY",
                 "STRIPE_WEBHOOK_SECRET"):
        assert VALID[name] not in text


def test_reflexs_own_redis_url_is_accepted_and_redis_url_wins(env):
    env.setenv("REFLEX_REDIS_URL", "redis://reflex:6379/0")
    assert load_settings().redis_url == "redis://reflex:6379/0"
    env.setenv("REDIS_URL", "redis://ours:6379/0")
    assert load_settings().redis_url == "redis://ours:6379/0"
