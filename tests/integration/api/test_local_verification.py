"""Page loads check the session against the project's JWKS, with no Auth round trip; Portal and
Checkout still confirm it with Auth. On the new key generation (ES256 with a kid); the legacy
fallback to Auth is in tests/integration/legacy/test_legacy_keys.py."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from billing_app.billing.account import Account, load_account
from billing_app.platform.outcomes import NOT_AUTHENTICATED, UpstreamError
from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, project_signed, sign_in
from tests.in_process import InProcessApp


def page_load(api: InProcessApp, token: str) -> Account:
    return api.run(load_account(token, locally=True))


def test_a_page_load_costs_no_auth_round_trip(api: InProcessApp, no_faults: Devstack, make_user):
    user = make_user(with_row=True)
    page_load(api, user.access_token)  # the JWKS is fetched (or already cached)
    no_faults.supabase_fault("auth", "error", path="/auth/v1/user")  # Auth's /user is down
    account = page_load(api, user.access_token)
    assert account.user.id == user.id and account.subscription.user_id == user.id
    with pytest.raises(UpstreamError):  # an action still asks Auth
        api.run(load_account(user.access_token))


def test_a_signed_out_token_still_loads_its_own_page_but_opens_no_portal(
    api: InProcessApp, make_user, admin
):
    user = make_user(with_row=True)
    admin.auth.admin.sign_out(user.access_token)
    # The trade-off SECURITY.md states: the signature is good until the token expires.
    assert page_load(api, user.access_token).user.id == user.id
    portal = api.post_portal(headers={"Authorization": f"Bearer {user.access_token}"})
    assert (portal.status_code, portal.json()) == (401, {"error": "Unauthorized"})


def test_expired_forged_or_unsigned_tokens_are_refused_locally(stack: StackConfig,
                                                               api: InProcessApp, make_user):
    user = make_user(with_row=True)
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(user.access_token)["kid"]
    other_key = ec.generate_private_key(ec.SECP256R1())
    refused = {
        "expired": project_signed(stack, {**claims, "exp": int(time.time()) - 60}),
        "another key, same kid": jwt.encode(claims, other_key, "ES256", headers={"kid": kid}),
        "alg none": jwt.encode(claims, None, "none", headers={"kid": kid}),
        "HS256 with the legacy secret": jwt.encode(claims, stack.secrets.jwt_secret, "HS256"),
        "another audience": project_signed(stack, {**claims, "aud": "somebody-else"}),
        "not a user": project_signed(stack, {**claims, "role": "service_role"}),
        "made-up kid": jwt.encode(claims, other_key, "ES256", headers={"kid": "made-up"}),
    }
    for why, token in refused.items():
        assert page_load(api, token) == NOT_AUTHENTICATED, why


def test_rotated_keys_verify_until_revoked(stack: StackConfig, api: InProcessApp,
                                          devstack: Devstack, demo_users):
    before = sign_in(stack, demo.DEMO_EMAIL)["access_token"]
    assert page_load(api, before).user.email == demo.DEMO_EMAIL  # caches the JWKS
    devstack.signing_keys("rotate")
    try:
        after = sign_in(stack, demo.DEMO_EMAIL)["access_token"]
        # A kid the cache lacks: the JWKS is fetched again (or Auth asked), never refused.
        assert page_load(api, after).user.email == demo.DEMO_EMAIL
        assert page_load(api, before).user.email == demo.DEMO_EMAIL  # rotated out, not revoked
    finally:
        devstack.signing_keys("revoke")
    # Revoked: PostgREST refuses the token even while the app's cache still holds the key.
    assert page_load(api, before) == NOT_AUTHENTICATED
    assert page_load(api, after).user.email == demo.DEMO_EMAIL
