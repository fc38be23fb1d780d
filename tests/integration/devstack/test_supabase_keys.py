"""The Supabase stand-in's new key generation (the default): sb_ API keys in `apikey`, the key's
own role without `Authorization`, ES256 access tokens verified against the JWKS, key rotation.
The legacy generation is in test_supabase_legacy_keys.py."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from devstack.config import StackConfig
from tests.helpers import Devstack, sign_in


def rest(stack: StackConfig, headers: dict, table: str = "user_subscriptions") -> httpx.Response:
    return httpx.get(f"{stack.supabase_url}/rest/v1/{table}?select=user_id", headers=headers)


def user_of(stack: StackConfig, token: str) -> httpx.Response:
    return httpx.get(f"{stack.supabase_url}/auth/v1/user",
                     headers={"apikey": stack.api_key("anon"), "Authorization": f"Bearer {token}"})


def test_the_keys_are_sb_keys_not_jwts(stack: StackConfig):
    assert stack.api_key("anon").startswith("sb_publishable_")
    assert stack.api_key("service_role").startswith("sb_secret_")
    assert stack.app_env()["SUPABASE_PUBLISHABLE_KEY"] == stack.api_key("anon")
    assert stack.app_env()["SUPABASE_SECRET_KEY"] == stack.api_key("service_role")
    with pytest.raises(jwt.DecodeError):
        jwt.decode(stack.api_key("anon"), options={"verify_signature": False})


def test_without_authorization_the_keys_own_role_applies(stack: StackConfig, make_user):
    user = make_user(with_row=True)
    as_anon = rest(stack, {"apikey": stack.api_key("anon")})
    assert (as_anon.status_code, as_anon.json()["code"]) == (401, "42501")  # anon: no grant
    as_service = rest(stack, {"apikey": stack.api_key("service_role")})
    assert {"user_id": user.id} in as_service.json()  # service_role: past RLS
    admin = httpx.get(f"{stack.supabase_url}/auth/v1/admin/users",
                      headers={"apikey": stack.api_key("service_role")})
    assert admin.status_code == 200
    not_admin = httpx.get(f"{stack.supabase_url}/auth/v1/admin/users",
                          headers={"apikey": stack.api_key("anon")})
    assert (not_admin.status_code, not_admin.json()["error_code"]) == (401, "no_authorization")


def test_a_users_jwt_in_authorization_is_that_user(stack: StackConfig, make_user):
    a, b = make_user(with_row=True), make_user(with_row=True)
    seen = rest(stack, {"apikey": stack.api_key("anon"), "Authorization": f"Bearer {a.access_token}"})
    assert seen.json() == [{"user_id": a.id}]
    assert user_of(stack, b.access_token).json()["id"] == b.id


@pytest.mark.parametrize("role", ["anon", "service_role"])
def test_an_sb_key_sent_as_bearer_is_refused_with_401(stack: StackConfig, role: str):
    key = stack.api_key(role)
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    refused_rest = rest(stack, headers)
    assert refused_rest.status_code == 401 and refused_rest.json()["code"] == "PGRST301"
    refused_auth = httpx.get(f"{stack.supabase_url}/auth/v1/admin/users", headers=headers)
    assert refused_auth.status_code == 401 and refused_auth.json()["error_code"] == "bad_jwt"
    token = httpx.post(f"{stack.supabase_url}/auth/v1/token?grant_type=password",
                       headers=headers, json={"email": "x@example.com", "password": "secret1"})
    assert token.status_code == 401


def test_access_tokens_are_es256_with_a_kid_the_jwks_publishes(stack: StackConfig, demo_users):
    session = sign_in(stack, "demo@example.com")
    header = jwt.get_unverified_header(session["access_token"])
    assert header["alg"] == "ES256" and header["kid"]
    jwks = httpx.get(f"{stack.supabase_url}/auth/v1/.well-known/jwks.json",
                     headers={"apikey": stack.api_key("anon")}).json()
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = jwt.decode(session["access_token"], key.key, algorithms=["ES256"],
                        audience="authenticated")
    assert claims["sub"] == session["user"]["id"] and claims["role"] == "authenticated"
    assert all("d" not in k for k in jwks["keys"])  # public halves only


def test_an_hs256_token_signed_with_the_legacy_secret_is_refused(stack: StackConfig, make_user):
    user = make_user(with_row=True)
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, stack.secrets.jwt_secret, algorithm="HS256")
    assert user_of(stack, forged).status_code == 403
    assert rest(stack, {"apikey": stack.api_key("anon"),
                        "Authorization": f"Bearer {forged}"}).status_code == 401


def test_a_rotated_out_key_verifies_until_it_is_revoked(stack: StackConfig, devstack: Devstack,
                                                         demo_users):
    before = sign_in(stack, "demo@example.com")
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    rotated = devstack.signing_keys("rotate")
    try:
        assert rotated["current"] != old_kid and old_kid in rotated["kids"]
        after = sign_in(stack, "demo@example.com")
        assert jwt.get_unverified_header(after["access_token"])["kid"] == rotated["current"]
        for token in (before["access_token"], after["access_token"]):
            assert user_of(stack, token).status_code == 200
        as_old = {"apikey": stack.api_key("anon"),
                  "Authorization": f"Bearer {before['access_token']}"}
        assert rest(stack, as_old).status_code == 200
    finally:
        revoked = devstack.signing_keys("revoke")
    assert revoked["kids"] == [rotated["current"]]
    assert user_of(stack, before["access_token"]).status_code == 403
    refused = rest(stack, as_old)
    assert refused.status_code == 401 and refused.json()["code"] == "PGRST301"
    assert user_of(stack, after["access_token"]).status_code == 200


def test_expired_es256_tokens_are_refused(stack: StackConfig, make_user, devstack: Devstack):
    devstack.auth_settings(jwt_expiry=1)
    try:
        user = make_user(with_row=True)
    finally:
        devstack.auth_settings(jwt_expiry=3600)
    time.sleep(1.5)
    assert user_of(stack, user.access_token).status_code == 403
    expired = rest(stack, {"apikey": stack.api_key("anon"),
                           "Authorization": f"Bearer {user.access_token}"})
    assert expired.status_code == 401 and expired.json()["code"] == "PGRST303"
