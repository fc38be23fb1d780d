"""The settings check: what doesn't load names each variable and where its value comes from."""

from __future__ import annotations

import os
from unittest import mock

from billing_app.doctor import configuration
from billing_app.doctor.checks import Finding, Status
from billing_app.platform.settings import environment_names, get_settings
from tests.helpers import VALID_ENV, app_settings


def load(**env: str):
    values = {**dict.fromkeys(environment_names(), ""), **VALID_ENV, **env}
    get_settings.cache_clear()
    try:
        with mock.patch.dict(os.environ, values):
            return configuration.load()
    finally:
        get_settings.cache_clear()


def test_swapped_keys_name_both_variables_and_where_each_comes_from():
    found = load(SUPABASE_PUBLISHABLE_KEY="sb_secret_x", SUPABASE_SECRET_KEY="sb_publishable_x")
    assert isinstance(found, Finding) and found.status == Status.FAILED
    assert "SUPABASE_PUBLISHABLE_KEY (or SUPABASE_ANON_KEY) holds an sb_secret_... key" in (
        found.summary)
    assert found.fix.splitlines()[:2] == [
        "Set SUPABASE_PUBLISHABLE_KEY (or SUPABASE_ANON_KEY): " + configuration.WHERE[
            "SUPABASE_PUBLISHABLE_KEY"] + ".",
        "Set SUPABASE_SECRET_KEY (or SUPABASE_SERVICE_ROLE_KEY): " + configuration.WHERE[
            "SUPABASE_SECRET_KEY"] + ".",
    ]


def test_a_variable_without_a_dashboard_page_points_at_the_settings_table():
    found = load(PORTAL_RATE_LIMIT="often")
    assert "Set PORTAL_RATE_LIMIT (see the README's Settings table and .env.example)." in (
        found.fix)


def test_settings_that_load_say_which_key_generation_each_key_is():
    loaded = load()
    assert not isinstance(loaded, Finding)
    assert configuration.loaded(loaded).summary == (
        "they load, each key in its own variable: SUPABASE_PUBLISHABLE_KEY holds a new "
        "sb_publishable_... key, SUPABASE_SECRET_KEY a new sb_secret_... key, "
        "STRIPE_SECRET_KEY a secret key in test mode")


def test_key_mode():
    assert configuration.key_mode(app_settings(STRIPE_SECRET_KEY="sk_live_x")) == "live"
    assert configuration.key_mode(app_settings(STRIPE_SECRET_KEY="rk_live_x")) == "live"
    assert configuration.key_mode(app_settings(STRIPE_SECRET_KEY="rk_test_x")) == "test"
