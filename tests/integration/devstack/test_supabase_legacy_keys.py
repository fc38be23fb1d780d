"""The Supabase stand-in with `DEVSTACK_SUPABASE_KEYS=legacy`: JWT anon / service_role keys,
HS256 access tokens, an empty JWKS, and the role taken from the Bearer token alone."""

from __future__ import annotations

import httpx
import jwt

from devstack import seed
from devstack.config import StackConfig
from tests.helpers import sign_in


def test_the_keys_are_jwts_under_the_old_names(legacy_stack: StackConfig):
    env = legacy_stack.app_env()
    assert "SUPABASE_PUBLISHABLE_KEY" not in env
    for name, role in (("SUPABASE_ANON_KEY", "anon"),
                       ("SUPABASE_SERVICE_ROLE_KEY", "service_role")):
        claims = jwt.decode(env[name], legacy_stack.secrets.jwt_secret, algorithms=["HS256"])
        assert claims["role"] == role


def test_access_tokens_are_hs256_and_the_jwks_is_empty(legacy_stack: StackConfig):
    session = sign_in(legacy_stack, seed.DEMO_EMAIL)
    assert jwt.get_unverified_header(session["access_token"])["alg"] == "HS256"
    assert "kid" not in jwt.get_unverified_header(session["access_token"])
    jwks = httpx.get(f"{legacy_stack.supabase_url}/auth/v1/.well-known/jwks.json",
                     headers={"apikey": legacy_stack.api_key("anon")})
    assert jwks.json() == {"keys": []}


def test_the_role_comes_from_the_bearer_token(legacy_stack: StackConfig):
    url = f"{legacy_stack.supabase_url}/rest/v1/user_subscriptions?select=user_id"
    service = legacy_stack.api_key("service_role")
    # The legacy gateway gives a key no role of its own: without a Bearer token, anon.
    alone = httpx.get(url, headers={"apikey": service})
    assert (alone.status_code, alone.json()["code"]) == (401, "42501")
    as_service = httpx.get(url, headers=legacy_stack.key_headers("service_role"))
    assert as_service.status_code == 200 and len(as_service.json()) >= 1  # the demo row
    # A legacy key as the Bearer token is what supabase-py sends, and it works.
    users = httpx.get(f"{legacy_stack.supabase_url}/auth/v1/admin/users",
                      headers=legacy_stack.key_headers("service_role"))
    assert users.status_code == 200


def test_the_new_keys_are_no_keys_of_a_legacy_stack(legacy_stack: StackConfig):
    refused = httpx.get(f"{legacy_stack.supabase_url}/auth/v1/health",
                        headers={"apikey": legacy_stack.secrets.publishable_key})
    assert refused.status_code == 401 and refused.json()["message"] == "Invalid API key"
