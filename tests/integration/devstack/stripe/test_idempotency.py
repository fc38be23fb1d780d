"""Idempotent requests as Stripe keeps them (docs.stripe.com/api/idempotent_requests): what ran
is saved for the key, 500s included, and replayed; what never began executing is not saved."""

from __future__ import annotations

import time

import pytest

from devstack.stripe_standin.idempotency import KEY_TTL_SECONDS, IdempotencyCache, SavedResponse
from tests.integration.devstack.stripe.harness import Standin


def _key() -> str:
    return f"key-{time.time_ns()}"


def _create(standin: Standin, key: str, **data: str):
    return standin.raw("POST", "/v1/customers", data=data or {"email": "idem@example.com"},
                       headers={"Idempotency-Key": key})


def test_a_500_is_saved_and_replayed_and_says_not_to_retry(standin: Standin) -> None:
    key = _key()
    standin.control("POST", "/__devstack/faults",
                    json={"kind": "stripe", "mode": "error", "times": 1})
    first = _create(standin, key)
    assert first.status_code == 500
    assert first.json()["error"]["type"] == "api_error"
    assert first.headers["stripe-should-retry"] == "false"
    again = _create(standin, key)  # the fault is spent: only the saved answer can be a 500
    assert (again.status_code, again.json()) == (500, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["original-request"] == first.headers["request-id"]
    assert _create(standin, _key()).status_code == 200  # a new key runs anew


def test_an_error_of_an_executed_request_is_saved(standin: Standin) -> None:
    key = _key()
    missing = standin.raw("POST", "/v1/customers/cus_nobody", data={"name": "x"},
                          headers={"Idempotency-Key": key})
    assert missing.status_code == 404
    again = standin.raw("POST", "/v1/customers/cus_nobody", data={"name": "x"},
                        headers={"Idempotency-Key": key})
    assert again.status_code == 404 and again.headers["idempotent-replayed"] == "true"


def test_same_key_with_other_parameters_is_a_400_idempotency_error(standin: Standin) -> None:
    key = _key()
    standin.control("POST", "/__devstack/faults",
                    json={"kind": "stripe", "mode": "error", "times": 1})
    assert _create(standin, key, email="one@example.com").status_code == 500
    other = _create(standin, key, email="two@example.com")
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"


@pytest.mark.parametrize("refusal", ["rate_limit", "validation"])
def test_nothing_is_saved_for_a_429_or_a_validation_refusal(standin: Standin,
                                                             refusal: str) -> None:
    key = _key()
    if refusal == "rate_limit":
        standin.control("POST", "/__devstack/faults",
                        json={"kind": "stripe", "mode": "rate_limit", "times": 1})
        refused = _create(standin, key)
        assert refused.status_code == 429
    else:
        refused = _create(standin, key, email="not-an-email")
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "email_invalid"
    # The same key then runs, even with other (now valid) parameters: nothing was saved.
    created = _create(standin, key, email="valid@example.com")
    assert created.status_code == 200 and "idempotent-replayed" not in created.headers
    assert created.json()["email"] == "valid@example.com"


def test_saved_answers_are_kept_24_hours_then_forgotten() -> None:
    assert KEY_TTL_SECONDS == 24 * 3600
    cache = IdempotencyCache(ttl=0.05)
    assert cache.check("k", "POST /v1/customers", "print") is None
    cache.finish("k", SavedResponse("POST /v1/customers", "print", 500, b"{}", "req_1",
                                    time.time()))
    assert cache.check("k", "POST /v1/customers", "print").status == 500
    time.sleep(0.1)
    assert cache.check("k", "POST /v1/customers", "print") is None  # pruned: runs anew
