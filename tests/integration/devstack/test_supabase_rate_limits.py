"""The Auth stand-in's per-IP /token bucket, as GoTrue keeps it: 30 at once, refilling at
rate_limit_token_refresh per 5 minutes, password and refresh grants together, 429
over_request_rate_limit past it; Sb-Forwarded-For only when enabled and sent with the secret
key."""

from __future__ import annotations

import time

import httpx
import pytest

from devstack.config import StackConfig
from tests.helpers import Devstack

BURST = 30


def token(stack: StackConfig, grant: str, body: dict, **headers: str) -> httpx.Response:
    return httpx.post(f"{stack.supabase_url}/auth/v1/token?grant_type={grant}",
                      headers={"apikey": stack.api_key("anon"), **headers}, json=body, timeout=10)


def wrong_password(stack: StackConfig, **headers: str) -> httpx.Response:
    return token(stack, "password", {"email": "nobody@example.com", "password": "wrong-one"},
                 **headers)


def test_thirty_at_once_then_429_with_gotrues_body(stack: StackConfig,
                                                   gotrue_token_bucket: Devstack):
    answers = [wrong_password(stack).status_code for _ in range(BURST)]
    assert answers == [400] * BURST
    refused = wrong_password(stack)
    assert refused.status_code == 429
    assert refused.json() == {"code": 429, "error_code": "over_request_rate_limit",
                              "msg": "Request rate limit reached"}
    # The refresh grant spends the same bucket.
    assert token(stack, "refresh_token", {"refresh_token": "whatever"}).status_code == 429


def test_the_bucket_refills_at_the_configured_rate(stack: StackConfig,
                                                   gotrue_token_bucket: Devstack):
    # 18,000 per 5 minutes is 60 a second: a drained bucket has tokens again within 0.1 s.
    gotrue_token_bucket.auth_settings(rate_limit_token_refresh=18_000)
    for _ in range(BURST):
        wrong_password(stack)
    assert wrong_password(stack).status_code in (400, 429)
    time.sleep(0.2)
    assert wrong_password(stack).status_code == 400


@pytest.mark.parametrize("key_role,counted_apart", [("service_role", True), ("anon", False)])
def test_sb_forwarded_for_is_honoured_only_when_enabled_and_with_the_secret_key(
    stack: StackConfig, gotrue_token_bucket: Devstack, key_role: str, counted_apart: bool
):
    gotrue_token_bucket.auth_settings(sb_forwarded_for_enabled=True)
    for _ in range(BURST):
        wrong_password(stack)  # drains this machine's own bucket
    assert wrong_password(stack).status_code == 429
    forwarded = wrong_password(stack, apikey=stack.api_key(key_role),
                               **{"Sb-Forwarded-For": "203.0.113.7"})
    assert forwarded.status_code == (400 if counted_apart else 429)


def test_sb_forwarded_for_is_ignored_when_disabled(stack: StackConfig,
                                                   gotrue_token_bucket: Devstack):
    for _ in range(BURST):
        wrong_password(stack)
    forwarded = wrong_password(stack, apikey=stack.api_key("service_role"),
                               **{"Sb-Forwarded-For": "203.0.113.8"})
    assert forwarded.status_code == 429
