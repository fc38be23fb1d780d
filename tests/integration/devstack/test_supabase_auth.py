"""The Auth stand-in answers supabase-py the way Supabase Auth does."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from supabase_auth.errors import AuthApiError

from devstack.config import StackConfig
from tests.helpers import project_signed


def test_sign_in_returns_a_session_for_the_right_password(make_user, anon_client):
    user = make_user()
    session = anon_client().auth.sign_in_with_password(
        {"email": user.email, "password": user.password}
    ).session
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    assert claims["sub"] == user.id
    assert claims["role"] == "authenticated"
    assert session.refresh_token and session.expires_at > time.time()


def test_wrong_password_is_refused_with_invalid_credentials(make_user, anon_client):
    user = make_user()
    with pytest.raises(AuthApiError) as caught:
        anon_client().auth.sign_in_with_password({"email": user.email, "password": "nope-nope"})
    assert caught.value.code == "invalid_credentials"
    assert caught.value.status == 400


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(anon_client):
    with pytest.raises(AuthApiError) as caught:
        anon_client().auth.sign_in_with_password(
            {"email": "nobody-here@example.com", "password": "whatever"}
        )
    assert caught.value.code == "invalid_credentials"


def test_get_user_returns_the_token_owner(make_user, anon_client):
    user = make_user()
    found = anon_client().auth.get_user(user.access_token).user
    assert (found.id, found.email) == (user.id, user.email)


def test_forged_jwt_is_refused(make_user, anon_client):
    user = make_user()
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-project-secret-not-the-project-secret", algorithm="HS256")
    with pytest.raises(AuthApiError) as caught:
        anon_client().auth.get_user(forged)
    assert caught.value.status == 403
    assert caught.value.code == "bad_jwt"


def test_expired_jwt_is_refused(stack: StackConfig, make_user, anon_client):
    user = make_user()
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 10
    expired = project_signed(stack, claims)
    with pytest.raises(AuthApiError) as caught:
        anon_client().auth.get_user(expired)
    assert caught.value.code == "bad_jwt"
    assert "expired" in caught.value.message


def test_signed_out_token_is_refused(make_user, admin, anon_client):
    user = make_user()
    admin.auth.admin.sign_out(user.access_token)
    with pytest.raises(AuthApiError) as caught:
        anon_client().auth.get_user(user.access_token)
    assert caught.value.code == "session_not_found"


def test_refresh_rotates_the_refresh_token(make_user, anon_client):
    user = make_user()
    client = anon_client()
    fresh = client.auth.refresh_session(user.refresh_token)
    assert fresh.session.refresh_token != user.refresh_token
    assert client.auth.get_user(fresh.session.access_token).user.id == user.id


def test_reusing_a_spent_refresh_token_ends_the_session(stack: StackConfig, make_user):
    user = make_user()
    key = stack.api_key("anon")
    url = f"{stack.supabase_url}/auth/v1/token?grant_type=refresh_token"
    with httpx.Client(headers={"apikey": key}) as http:
        first = http.post(url, json={"refresh_token": user.refresh_token})
        assert first.status_code == 200
        # Past the reuse interval, the old token is refused and the session is revoked.
        with _psql_clock_skew(stack, user.refresh_token):
            again = http.post(url, json={"refresh_token": user.refresh_token})
        assert again.status_code == 400
        assert again.json()["error_code"] == "refresh_token_already_used"
        newest = http.post(url, json={"refresh_token": first.json()["refresh_token"]})
        assert newest.status_code == 400
        me = http.get(f"{stack.supabase_url}/auth/v1/user",
                      headers={"Authorization": f"Bearer {first.json()['access_token']}"})
        assert me.status_code == 403


def test_reuse_within_the_interval_returns_the_current_token(stack: StackConfig, make_user):
    user = make_user()
    key = stack.api_key("anon")
    url = f"{stack.supabase_url}/auth/v1/token?grant_type=refresh_token"
    with httpx.Client(headers={"apikey": key}) as http:
        first = http.post(url, json={"refresh_token": user.refresh_token}).json()
        second = http.post(url, json={"refresh_token": user.refresh_token}).json()
    assert second["refresh_token"] == first["refresh_token"]


def test_requests_without_an_api_key_are_refused_at_the_gateway(stack: StackConfig):
    for path in ("/auth/v1/user", "/rest/v1/user_subscriptions"):
        response = httpx.get(stack.supabase_url + path)
        assert response.status_code == 401
        assert response.json()["message"] == "No API key found in request"
    wrong = httpx.get(stack.supabase_url + "/rest/v1/user_subscriptions",
                      headers={"apikey": "not-a-key"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "Invalid API key"


def test_admin_routes_need_the_service_role(stack: StackConfig, make_user):
    user = make_user()
    with httpx.Client(headers={"apikey": stack.api_key("anon")}) as http:
        as_user = http.get(f"{stack.supabase_url}/auth/v1/admin/users",
                           headers={"Authorization": f"Bearer {user.access_token}"})
        assert as_user.status_code == 403
        assert as_user.json()["error_code"] == "not_admin"


def test_signup_creates_a_confirmed_user_with_a_session(anon_client):
    email = f"signup-{time.time_ns()}@example.com"
    result = anon_client().auth.sign_up({"email": email, "password": "long-enough"})
    assert result.user.email == email and result.session is not None
    with pytest.raises(AuthApiError) as caught:
        anon_client().auth.sign_up({"email": email, "password": "long-enough"})
    assert caught.value.code == "user_already_exists"


class _psql_clock_skew:
    """Age a refresh token's revocation past GoTrue's reuse interval, straight in the database."""

    def __init__(self, stack: StackConfig, token: str) -> None:
        self.stack, self.token = stack, token

    def __enter__(self) -> None:
        import asyncio

        import asyncpg

        async def age() -> None:
            conn = await asyncpg.connect(self.stack.database_url())
            try:
                await conn.execute(
                    "update auth.refresh_tokens set updated_at = now() - interval '1 minute'"
                    " where token = $1",
                    self.token,
                )
            finally:
                await conn.close()

        asyncio.run(age())

    def __exit__(self, *exc: object) -> None:
        return None
