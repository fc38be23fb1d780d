"""GET /api/health and GET /api/ready, in-process, with the stand-ins' fault controls making
Supabase or Stripe fail, hang or refuse."""

from __future__ import annotations

import time

import pytest

from devstack.config import StackConfig
from tests.helpers import Devstack
from tests.in_process import InProcessApp

READY = {"status": "ready", "checks": {"supabase": "ok", "stripe": "ok"}}


def test_health_is_ok_and_checks_nothing(api: InProcessApp, no_faults: Devstack):
    no_faults.stripe_fault("down")
    no_faults.supabase_fault("auth", "down")
    response = api.get("/api/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response.headers["cache-control"] == "no-store"


def test_ready_when_supabase_and_stripe_answer(api: InProcessApp, no_faults: Devstack):
    response = api.get("/api/ready")
    assert (response.status_code, response.json()) == (200, READY)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("mode", ["down", "error", "rate_limit"])
def test_ready_names_failing_stripe(api: InProcessApp, no_faults: Devstack, mode: str):
    no_faults.stripe_fault(mode)
    response = api.get("/api/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["stripe"],
                               "checks": {"supabase": "ok", "stripe": "failing"}}


def test_ready_names_failing_supabase(api: InProcessApp, no_faults: Devstack):
    no_faults.supabase_fault("auth", "down")
    response = api.get("/api/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["supabase"]


def test_ready_names_both_when_both_fail(api: InProcessApp, no_faults: Devstack):
    no_faults.supabase_fault("auth", "error")
    no_faults.stripe_fault("error")
    response = api.get("/api/ready")
    assert response.status_code == 503
    assert sorted(response.json()["failing"]) == ["stripe", "supabase"]


def test_a_hung_dependency_fails_ready_within_its_time_limit(api: InProcessApp,
                                                            no_faults: Devstack):
    no_faults.stripe_fault("timeout")  # the stand-in holds the request for a minute
    started = time.monotonic()
    response = api.get("/api/ready")
    elapsed = time.monotonic() - started
    assert response.status_code == 503 and response.json()["failing"] == ["stripe"]
    assert elapsed < 4, f"/api/ready took {elapsed:.1f} s with a hung Stripe"


def test_ready_recovers_when_the_fault_clears(api: InProcessApp, no_faults: Devstack):
    no_faults.stripe_fault("down", times=1)
    assert api.get("/api/ready").status_code == 503
    assert api.get("/api/ready").status_code == 200


def test_neither_reveals_secrets_or_addresses(stack: StackConfig, api: InProcessApp,
                                             no_faults: Devstack):
    no_faults.stripe_fault("error")
    no_faults.supabase_fault("auth", "error")
    texts = [api.get("/api/ready").text, api.get("/api/health").text]
    secrets = [stack.secrets.stripe_secret_key, stack.secrets.stripe_webhook_secret,
               stack.api_key("anon"), stack.api_key("service_role"),
               stack.supabase_url, stack.stripe_api_base, "devstack injected fault"]
    for text in texts:
        for secret in secrets:
            assert secret not in text
