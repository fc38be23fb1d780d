"""GET /api/health and GET /api/ready, in-process, with the stand-ins' fault controls making
Supabase or Stripe fail, hang or refuse; and readiness answering a crowd with one check.

Readiness keeps its answer for READY_CACHE_S (10 s). So that the tests making a dependency fail
and recover see each change at once, every test here starts with the cache off; those about the
cache turn it back on."""

from __future__ import annotations

import concurrent.futures
import time

import pytest

from billing_app.platform import health
from devstack.config import StackConfig
from tests.helpers import Devstack
from tests.in_process import InProcessApp

READY = {"status": "ready", "checks": {"supabase": "ok", "stripe": "ok"}}
STRIPE_PROBE = "/v1/billing_portal/configurations"
CACHE_S = getattr(health, "READY_CACHE_S", 10.0)


@pytest.fixture(autouse=True)
def fresh_checks(monkeypatch):
    monkeypatch.setattr(health, "READY_CACHE_S", 0.0, raising=False)


def cache_for(monkeypatch, api: InProcessApp, seconds: float) -> None:
    """Check once now (no fault left from an earlier test in the answer), then keep answers."""
    assert api.get("/api/ready").status_code == 200
    monkeypatch.setattr(health, "READY_CACHE_S", seconds, raising=False)


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


def stripe_probes_since(devstack: Devstack, started: float) -> int:
    return len(devstack.stripe_requests(path=STRIPE_PROBE, since=started))


def test_a_crowd_of_anonymous_ready_checks_makes_one_stripe_call(api: InProcessApp,
                                                                 no_faults: Devstack,
                                                                 monkeypatch):
    """200 anonymous GETs once made 200 Stripe calls: anyone could spend the account's Stripe
    rate limit (which portal, Checkout and webhooks share) through /api/ready."""
    cache_for(monkeypatch, api, CACHE_S)
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: api.get("/api/ready"), range(200)))
    elapsed = time.time() - started
    assert [a.status_code for a in answers] == [200] * 200
    assert all(a.json() == READY for a in answers)
    # One check per READY_CACHE_S at most (a slow machine may cross into a second window).
    assert stripe_probes_since(no_faults, started) <= 1 + int(elapsed // CACHE_S)


def test_while_a_check_runs_every_other_request_waits_for_it(api: InProcessApp,
                                                            no_faults: Devstack):
    no_faults.stripe_fault("timeout", times=1)  # the first probe hangs past the 2 s limit
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(lambda _: api.get("/api/ready"), range(30)))
    elapsed = time.time() - started
    assert {a.status_code for a in answers} == {503}
    assert stripe_probes_since(no_faults, started) == 1
    assert elapsed < 4, f"30 concurrent checks took {elapsed:.1f} s"


def test_a_cached_answer_is_kept_for_its_time_then_checked_again(api: InProcessApp,
                                                                 no_faults: Devstack,
                                                                 monkeypatch):
    cache_for(monkeypatch, api, 1.0)
    no_faults.stripe_fault("down")
    assert api.get("/api/ready").status_code == 200  # the answer of a moment ago
    time.sleep(1.1)
    assert api.get("/api/ready").json()["failing"] == ["stripe"]
