"""`make doctor` on the legacy key generation (`DEVSTACK_SUPABASE_KEYS=legacy`: JWT anon /
service_role keys under their old names, HS256 tokens and an empty JWKS)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.config import StackConfig
from tests.integration.doctor.harness import make_run_webhooks, run_doctor, run_make_doctor


@pytest.fixture(autouse=True)
def as_make_run(legacy_stack: StackConfig) -> Iterator[None]:
    with make_run_webhooks(legacy_stack):
        yield


def test_healthy_on_the_legacy_keys(legacy_stack: StackConfig):
    found = run_doctor(legacy_stack)
    assert found.exit_code == 0, found.output
    assert found.marked("✘") == [] and found.marked("–") == []
    settings = found.text("Settings: Settings")
    assert ("SUPABASE_PUBLISHABLE_KEY holds a legacy anon JWT key, SUPABASE_SECRET_KEY a "
            "legacy service_role JWT key") in settings
    assert found.text("Supabase: JWKS").startswith(
        "the project signs with the legacy JWT secret (HS256) and publishes no keys")
    assert found.text("Supabase: Secret key").endswith("as the service role")


def test_make_doctor_finds_the_generation_make_run_serves(legacy_stack: StackConfig):
    # `.devstack/env` names the legacy keys; DEVSTACK_SUPABASE_KEYS isn't needed again.
    found = run_make_doctor(legacy_stack)
    assert found.exit_code == 0, found.output
    assert "legacy anon JWT key" in found.text("Settings: Settings")


def test_the_legacy_keys_swapped(legacy_stack: StackConfig):
    found = run_doctor(legacy_stack, SUPABASE_ANON_KEY=legacy_stack.api_key("service_role"),
                       SUPABASE_SERVICE_ROLE_KEY=legacy_stack.api_key("anon"))
    assert found.exit_code == 1
    assert found.marked("✘") == ["Settings: Settings"]
    text = found.text("Settings: Settings")
    assert ("SUPABASE_PUBLISHABLE_KEY (or SUPABASE_ANON_KEY) holds a legacy key for the role "
            "'service_role'") in text
    fix = text.partition("→")[2]
    assert "Set SUPABASE_PUBLISHABLE_KEY (or SUPABASE_ANON_KEY)" in fix
    assert "the anon key on the Legacy API keys tab" in fix
    assert "Set SUPABASE_SECRET_KEY (or SUPABASE_SERVICE_ROLE_KEY)" in fix
