"""Latency and faults injected into the Stripe stand-in's /v1 routes (devstack.faults)."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe

from tests.integration.devstack.stripe.harness import PRO_MONTHLY, Standin, client_for


def test_injected_error_answers_stripes_500_shape_and_clears(standin: Standin) -> None:
    once = client_for(standin.url, standin.key, retries=0)
    standin.control(
        "POST", "/__devstack/faults", json={"kind": "stripe", "mode": "error", "times": 1}
    )
    with pytest.raises(stripe.APIError) as caught:
        once.v1.prices.retrieve(PRO_MONTHLY)
    assert caught.value.http_status == 500
    assert caught.value.json_body["error"]["type"] == "api_error"
    assert once.v1.prices.retrieve(PRO_MONTHLY).id == PRO_MONTHLY


def test_injected_rate_limit_answers_429_and_clears(standin: Standin) -> None:
    once = client_for(standin.url, standin.key, retries=0)
    standin.control("POST", "/__devstack/faults", json={"kind": "stripe", "mode": "rate_limit"})
    try:
        with pytest.raises(stripe.RateLimitError) as caught:
            once.v1.prices.retrieve(PRO_MONTHLY)
        assert caught.value.http_status == 429
        assert caught.value.json_body["error"]["code"] == "rate_limit"
        # The pages are not the API: they keep working during an API fault.
        assert httpx.get(f"{standin.url}/__devstack/health").status_code == 200
    finally:
        standin.control("DELETE", "/__devstack/faults")
    assert once.v1.prices.retrieve(PRO_MONTHLY).id == PRO_MONTHLY


def test_a_retrying_client_gets_through_a_single_500(standin: Standin) -> None:
    standin.control(
        "POST", "/__devstack/faults", json={"kind": "stripe", "mode": "error", "times": 1}
    )
    assert standin.client.v1.prices.retrieve(PRO_MONTHLY).id == PRO_MONTHLY


def test_injected_latency_delays_api_calls(standin: Standin) -> None:
    standin.control("PUT", "/__devstack/latency", json={"stripe": 300})
    try:
        started = time.monotonic()
        standin.client.v1.prices.retrieve(PRO_MONTHLY)
        assert time.monotonic() - started >= 0.3
    finally:
        standin.control("PUT", "/__devstack/latency", json={"stripe": 0})
