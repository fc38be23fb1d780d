"""Settings: every bad or missing value stops the app with a message naming the variable."""

from __future__ import annotations

import os

import jwt
import pytest

from billing_app.platform.settings import (
    PROJECT_ROOT,
    HostingSettings,
    Settings,
    SettingsError,
    environment_names,
    hosting_settings,
    load_settings,
)

SECRET = "unit-test-secret-unit-test-secret-unit"
# Legacy keys: JWTs naming their role.
ANON = jwt.encode({"role": "anon"}, SECRET, algorithm="HS256")
SERVICE = jwt.encode({"role": "service_role"}, SECRET, algorithm="HS256")
# New keys.
PUBLISHABLE = "sb_publishable_abcdefghijklmnopqrstuv"
SECRET_KEY = "sb_secret_abcdefghijklmnopqrstuvwx"

VALID = {
    "SUPABASE_URL": "https://abc.supabase.co",
    "SUPABASE_PUBLISHABLE_KEY": PUBLISHABLE,
    "SUPABASE_SECRET_KEY": SECRET_KEY,
    "STRIPE_SECRET_KEY": "sk_test_123",
    "STRIPE_WEBHOOK_SECRET": "whsec_abc",
    "SITE_URL": "https://app.example.com",
}


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment holding VALID, with `.env` read from an empty folder."""
    for model in (Settings, HostingSettings):
        monkeypatch.setitem(model.model_config, "env_file", tmp_path / ".env")
    monkeypatch.setattr(os, "environ", os.environ.copy())
    for name in environment_names():
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
    ("STRIPE_PRICE_IDS", "price_a,prod_b"),
    ("STRIPE_PRICE_IDS", "price_a;price_b"),
    ("INVOICES_RATE_LIMIT", "0/minute"),
    ("REDIS_URL", "http://localhost:6379"),
    ("REFLEX_REDIS_URL", "localhost:6379"),
    ("PORTAL_RATE_LIMIT", "ten a minute"),
    ("PORTAL_RATE_LIMIT", "10/fortnight"),
    ("PORTAL_RATE_LIMIT", "0/minute"),
    ("PORTAL_RATE_LIMIT", "-1/minute"),
    ("PORTAL_RATE_LIMIT", "10/minute;100/hour"),
    ("CHECKOUT_RATE_LIMIT", "5 a minute"),
    ("CHECKOUT_RATE_LIMIT", "0/minute"),
    ("SIGN_IN_EMAIL_RATE_LIMIT", "five a minute"),
    ("SIGN_IN_IP_RATE_LIMIT", "0/minute"),
    # A key in the wrong variable, in either generation, is refused.
    ("SUPABASE_PUBLISHABLE_KEY", "not-a-key"),
    ("SUPABASE_PUBLISHABLE_KEY", SECRET_KEY),
    ("SUPABASE_PUBLISHABLE_KEY", SERVICE),
    ("SUPABASE_PUBLISHABLE_KEY", "sb_something_abc"),
    ("SUPABASE_SECRET_KEY", PUBLISHABLE),
    ("SUPABASE_SECRET_KEY", ANON),
    ("SUPABASE_TIMEOUT_S", "0"),
    ("STRIPE_TIMEOUT_S", "soon"),
    ("STRIPE_MAX_RETRIES", "-1"),
    ("REDIS_TIMEOUT_S", "-2"),
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
    assert s.stripe_price_ids == ("price_123",) and s.redis_url == "redis://localhost:6379/0"
    assert s.stripe_portal_config_id == "bpc_123"
    assert s.stripe_api_base == "http://127.0.0.1:12111"


def test_the_portal_rate_limit_is_ten_a_minute_unless_set(env):
    assert load_settings().portal_rate_limit == "10/minute"
    env.setenv("PORTAL_RATE_LIMIT", "30 per hour")
    assert load_settings().portal_rate_limit == "30 per hour"


def test_the_checkout_rate_limit_is_five_a_minute_unless_set(env):
    assert load_settings().checkout_rate_limit == "5/minute"
    env.setenv("CHECKOUT_RATE_LIMIT", "20 per hour")
    assert load_settings().checkout_rate_limit == "20 per hour"


@pytest.mark.parametrize("old,new", [("SUPABASE_ANON_KEY", "SUPABASE_PUBLISHABLE_KEY"),
                                     ("SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_SECRET_KEY")])
@pytest.mark.parametrize("value", ["anon", "service_role"])
def test_a_key_in_the_wrong_old_name_is_refused_naming_both(env, old, new, value):
    env.delenv(new)
    wrong = {"SUPABASE_ANON_KEY": {"anon": SERVICE, "service_role": SECRET_KEY},
             "SUPABASE_SERVICE_ROLE_KEY": {"anon": ANON, "service_role": PUBLISHABLE}}[old][value]
    env.setenv(old, wrong)
    with pytest.raises(SettingsError, match=rf"{new} \(or {old}\) holds"):
        load_settings()


def test_legacy_keys_under_the_old_names_are_accepted(env):
    for new in ("SUPABASE_PUBLISHABLE_KEY", "SUPABASE_SECRET_KEY"):
        env.delenv(new)
    env.setenv("SUPABASE_ANON_KEY", ANON)
    env.setenv("SUPABASE_SERVICE_ROLE_KEY", SERVICE)
    s = load_settings()
    assert s.supabase_publishable_key.get_secret_value() == ANON
    assert s.supabase_secret_key.get_secret_value() == SERVICE


def test_legacy_keys_under_the_new_names_are_accepted(env):
    env.setenv("SUPABASE_PUBLISHABLE_KEY", ANON)
    env.setenv("SUPABASE_SECRET_KEY", SERVICE)
    assert load_settings().supabase_secret_key.get_secret_value() == SERVICE


def test_the_generations_may_be_mixed(env):
    # Both generations can be active on one project: a new publishable key beside a legacy
    # service_role key (or the other way round) is fine.
    env.setenv("SUPABASE_SECRET_KEY", SERVICE)
    s = load_settings()
    assert s.supabase_publishable_key.get_secret_value() == PUBLISHABLE
    assert s.supabase_secret_key.get_secret_value() == SERVICE


def test_the_new_name_wins_over_the_old(env):
    env.setenv("SUPABASE_ANON_KEY", ANON)
    env.setenv("SUPABASE_SERVICE_ROLE_KEY", ANON)  # wrong, but never read: the new name is set
    assert load_settings().supabase_publishable_key.get_secret_value() == PUBLISHABLE


def test_a_missing_key_names_the_old_name_too(env):
    env.delenv("SUPABASE_SECRET_KEY")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == ("SUPABASE_SECRET_KEY is not set (SUPABASE_SERVICE_ROLE_KEY is "
                                 "accepted too). Set it in the environment or in .env (see "
                                 ".env.example).")


def test_forwarding_the_client_ip_needs_a_new_secret_key(env):
    env.setenv("SUPABASE_FORWARD_CLIENT_IP", "true")
    assert load_settings().supabase_forward_client_ip
    env.setenv("SUPABASE_SECRET_KEY", SERVICE)
    with pytest.raises(SettingsError, match="SUPABASE_FORWARD_CLIENT_IP needs a new secret key"):
        load_settings()


def test_the_sign_in_limits_are_five_per_email_and_twenty_per_address_a_minute(env):
    s = load_settings()
    assert (s.sign_in_email_rate_limit, s.sign_in_ip_rate_limit) == ("5/minute", "20/minute")
    assert not s.supabase_forward_client_ip
    env.setenv("SIGN_IN_IP_RATE_LIMIT", "200 per minute")
    assert load_settings().sign_in_ip_rate_limit == "200 per minute"


def test_dotenv_fills_in_but_never_overrides(env, tmp_path):
    (tmp_path / ".env").write_text("STRIPE_CUSTOMER_PORTAL_CONFIG_ID=bpc_from_file\nSITE_URL=https://file.example.com\n")
    s = load_settings()
    assert s.stripe_portal_config_id == "bpc_from_file"
    assert s.site_url == "https://app.example.com"


def test_the_repr_and_str_hide_every_key(env):
    env.setenv("SUPABASE_SERVICE_ROLE_KEY", SERVICE)  # read through the old name too
    settings = load_settings()
    for text in (repr(settings), str(settings), str(settings.model_dump())):
        assert SERVICE not in text
        for name in ("SUPABASE_PUBLISHABLE_KEY", "SUPABASE_SECRET_KEY", "STRIPE_SECRET_KEY",
                     "STRIPE_WEBHOOK_SECRET"):
            assert VALID[name] not in text
    assert settings.stripe_secret_key.get_secret_value() == VALID["STRIPE_SECRET_KEY"]


def test_every_missing_setting_is_named_at_once(env):
    for name in ("SUPABASE_URL", "STRIPE_SECRET_KEY"):
        env.delenv(name)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).splitlines() == [
        "SUPABASE_URL is not set. Set it in the environment or in .env (see .env.example).",
        "STRIPE_SECRET_KEY is not set. Set it in the environment or in .env (see .env.example).",
    ]


def test_a_blank_variable_is_unset_and_hides_dotenv(env, tmp_path):
    (tmp_path / ".env").write_text("PORTAL_RATE_LIMIT=1/minute\nSTRIPE_PRICE_ID=price_file\n")
    env.setenv("PORTAL_RATE_LIMIT", "  ")
    env.setenv("STRIPE_PRICE_ID", "")
    s = load_settings()
    assert (s.portal_rate_limit, s.stripe_price_ids) == ("10/minute", ())


def test_a_blank_site_url_falls_back_to_the_alias(env):
    env.setenv("SITE_URL", "")
    env.setenv("NEXT_PUBLIC_SITE_URL", "https://alias.example.com")
    assert load_settings().site_url == "https://alias.example.com"


def test_timeouts_and_retries_have_defaults_and_can_be_shrunk(env):
    s = load_settings()
    assert (s.supabase_timeout_s, s.stripe_timeout_s, s.stripe_max_retries,
            s.redis_timeout_s) == (5.0, 3.0, 2, 2.0)
    env.setenv("STRIPE_TIMEOUT_S", "0.5")
    env.setenv("STRIPE_MAX_RETRIES", "0")
    s = load_settings()
    assert (s.stripe_timeout_s, s.stripe_max_retries) == (0.5, 0)


def test_hosting_settings_need_no_keys_and_read_dotenv(env, tmp_path):
    for name in VALID:
        env.delenv(name)
    (tmp_path / ".env").write_text("SITE_URL=https://from-file.example.com/\n")
    assert hosting_settings().site_url == "https://from-file.example.com"
    env.setenv("REDIS_URL", "http://nope")
    with pytest.raises(SettingsError, match=r"REDIS_URL \(or REFLEX_REDIS_URL\) must be a redis://"):
        hosting_settings()


def test_reflexs_own_redis_url_is_accepted_and_redis_url_wins(env):
    env.setenv("REFLEX_REDIS_URL", "redis://reflex:6379/0")
    assert load_settings().redis_url == "redis://reflex:6379/0"
    env.setenv("REDIS_URL", "redis://ours:6379/0")
    assert load_settings().redis_url == "redis://ours:6379/0"


def test_every_setting_is_in_the_readmes_table_and_every_documented_name_in_env_example():
    readme = (PROJECT_ROOT / "README.md").read_text()
    example = (PROJECT_ROOT / ".env.example").read_text()
    documented = {name for field in Settings.model_fields.values()
                  if (name := str(field.validation_alias)) and not field.exclude}
    for name in environment_names():
        assert f"`{name}`" in readme, name
    for name in documented:
        assert f"\n{name}=" in example, name


def test_stripe_price_ids_is_a_comma_separated_list_and_wins_over_the_old_name(env):
    env.setenv("STRIPE_PRICE_IDS", " price_team , price_pro,,price_team ")
    env.setenv("STRIPE_PRICE_ID", "price_old")
    assert load_settings().stripe_price_ids == ("price_team", "price_pro")
    env.setenv("STRIPE_PRICE_IDS", "")
    assert load_settings().stripe_price_ids == ("price_old",)
    env.delenv("STRIPE_PRICE_ID")
    assert load_settings().stripe_price_ids == ()


def test_a_wrong_price_names_both_names(env):
    env.setenv("STRIPE_PRICE_ID", "prod_123")
    with pytest.raises(SettingsError, match=r"STRIPE_PRICE_IDS \(or STRIPE_PRICE_ID\).*'prod_123'"):
        load_settings()
