"""The Auth stand-in's per-IP /token bucket, as GoTrue keeps it: 30 at once, refilling at
rate_limit_token_refresh per 5 minutes, password and refresh grants together, 429
over_request_rate_limit past it; Sb-Forwarded-For only when enabled and sent with the secret
key."""

from __future__ import annotations

import httpx
import pytest

from devstack.config import StackConfig
from devstack.supabase_standin import rate_limits
from tests.helpers import Devstack

BURST = 30
# For counting a bucket exactly: 30 at once, refilling by one in 5 minutes, so a test slowed by a
# busy machine still sees exactly 30 (at GoTrue's default a token comes back every 2 s).
NO_REFILL = 1


def token(stack: StackConfig, grant: str, body: dict, **headers: str) -> httpx.Response:
    return httpx.post(f"{stack.supabase_url}/auth/v1/token?grant_type={grant}",
                      headers={"apikey": stack.api_key("anon"), **headers}, json=body, timeout=10)


def wrong_password(stack: StackConfig, **headers: str) -> httpx.Response:
    return token(stack, "password", {"email": "nobody@example.com", "password": "wrong-one"},
                 **headers)


def test_thirty_at_once_then_429_with_gotrues_body(stack: StackConfig,
                                                   gotrue_token_bucket: Devstack):
    gotrue_token_bucket.auth_settings(rate_limit_token_refresh=NO_REFILL)
    answers = [wrong_password(stack).status_code for _ in range(BURST)]
    assert answers == [400] * BURST
    refused = wrong_password(stack)
    assert refused.status_code == 429
    assert refused.json() == {"code": 429, "error_code": "over_request_rate_limit",
                              "msg": "Request rate limit reached"}
    # The refresh grant spends the same bucket.
    assert token(stack, "refresh_token", {"refresh_token": "whatever"}).status_code == 429


def test_the_bucket_refills_at_rate_per_5_minutes_and_each_ip_has_its_own(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(rate_limits.time, "monotonic", lambda: now[0])
    buckets = rate_limits.TokenBuckets(per_5_minutes=150)  # GoTrue's default: one per 2 s
    assert all(buckets.take("198.51.100.1") for _ in range(BURST))
    assert not buckets.take("198.51.100.1")
    assert buckets.take("198.51.100.2")  # another address, another bucket
    now[0] += 1.9
    assert not buckets.take("198.51.100.1")
    now[0] += 0.2  # 2.1 s: one token back
    assert buckets.take("198.51.100.1") and not buckets.take("198.51.100.1")
    now[0] += 3600  # an hour: full again, never more than 30
    assert sum(buckets.take("198.51.100.1") for _ in range(BURST + 5)) == BURST


@pytest.mark.parametrize("key_role,counted_apart", [("service_role", True), ("anon", False)])
def test_sb_forwarded_for_is_honoured_only_when_enabled_and_with_the_secret_key(
    stack: StackConfig, gotrue_token_bucket: Devstack, key_role: str, counted_apart: bool
):
    gotrue_token_bucket.auth_settings(sb_forwarded_for_enabled=True,
                                      rate_limit_token_refresh=NO_REFILL)
    for _ in range(BURST):
        wrong_password(stack)  # drains this machine's own bucket
    assert wrong_password(stack).status_code == 429
    forwarded = wrong_password(stack, apikey=stack.api_key(key_role),
                               **{"Sb-Forwarded-For": "203.0.113.7"})
    assert forwarded.status_code == (400 if counted_apart else 429)


def test_sb_forwarded_for_is_ignored_when_disabled(stack: StackConfig,
                                                   gotrue_token_bucket: Devstack):
    gotrue_token_bucket.auth_settings(rate_limit_token_refresh=NO_REFILL)
    for _ in range(BURST):
        wrong_password(stack)
    forwarded = wrong_password(stack, apikey=stack.api_key("service_role"),
                               **{"Sb-Forwarded-For": "203.0.113.8"})
    assert forwarded.status_code == 429
