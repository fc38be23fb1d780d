"""SUPABASE_FORWARD_CLIENT_IP: sign-ins reach Supabase Auth with the secret key and the client's
address in Sb-Forwarded-For, so Auth's per-IP bucket counts each user's address instead of this
server's (a project setting at Supabase: IP address forwarding; the stand-in's
sb_forwarded_for_enabled)."""

from __future__ import annotations

import httpx
import pytest

from billing_app.platform.outcomes import Refusal
from billing_app.session import actions
from billing_app.session.codes import Ticket
from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack
from tests.in_process import running


@pytest.fixture(scope="module")
def api(stack, demo_users):
    with running(stack, SUPABASE_FORWARD_CLIENT_IP="true") as app:
        yield app


def drain_this_machines_bucket(stack: StackConfig, bucket: Devstack) -> None:
    bucket.auth_settings(rate_limit_token_refresh=1)  # 30 at once, then hardly a refill
    wrong = {"email": "nobody@example.com", "password": "wrong-one"}
    for _ in range(30):
        httpx.post(f"{stack.supabase_url}/auth/v1/token?grant_type=password",
                   headers={"apikey": stack.api_key("anon")}, json=wrong)


def test_with_forwarding_each_client_has_its_own_bucket_at_supabase(
    stack: StackConfig, api, gotrue_token_bucket: Devstack
):
    gotrue_token_bucket.auth_settings(sb_forwarded_for_enabled=True)
    drain_this_machines_bucket(stack, gotrue_token_bucket)
    ticket = api.run(actions.sign_in(demo.DEMO_EMAIL, demo.DEMO_PASSWORD, "203.0.113.44"))
    assert isinstance(ticket, Ticket)  # counted against 203.0.113.44, not this server


def test_without_forwarding_at_supabase_the_servers_bucket_applies(
    stack: StackConfig, api, gotrue_token_bucket: Devstack
):
    # The project has IP forwarding off: the header is ignored.
    drain_this_machines_bucket(stack, gotrue_token_bucket)
    refused = api.run(actions.sign_in(demo.DEMO_EMAIL, demo.DEMO_PASSWORD, "203.0.113.45"))
    assert isinstance(refused, Refusal) and refused.retry_after_s == 60
