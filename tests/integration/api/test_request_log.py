"""The request log, in-process: one JSON line per /api request, with the id echoed in
X-Request-Id, the route, the user's id (never their email), the outcome by its own name, the
latency and Stripe's request id, and never a token or a key. The hosted server's whole log is
searched for secrets in tests/integration/hosted/test_hosted_app.py."""

from __future__ import annotations

import json

import pytest

from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, assert_no_secret_in_log, sign_in
from tests.in_process import InProcessApp

FIELDS = {"kind", "route", "method", "request_id", "status", "outcome", "user_id",
          "stripe_request_id", "latency_ms"}


@pytest.fixture(scope="module")
def demo_session(stack: StackConfig, api: InProcessApp) -> dict:
    return sign_in(stack, demo.DEMO_EMAIL)


def test_a_portal_request_logs_one_line_with_user_outcome_and_stripe_id(
    api: InProcessApp, demo_session: dict, demo_users: dict[str, str]
):
    response = api.post_portal(
        headers={"Authorization": f"Bearer {demo_session['access_token']}"})
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    [line] = api.request_log(request_id)
    assert set(line) == FIELDS
    assert line["kind"] == "api" and line["route"] == "/api/customer_portal"
    assert line["method"] == "POST" and line["status"] == 200 and line["outcome"] == "redirect"
    assert line["user_id"] == demo_users[demo.DEMO_EMAIL]
    assert line["stripe_request_id"].startswith("req_")
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] > 0


def test_every_request_gets_its_own_id(api: InProcessApp):
    ids = {api.post_portal().headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("method,path,kwargs,route,status,outcome", [
    ("POST", "/api/customer_portal", {}, "/api/customer_portal", 401, "not_authenticated"),
    ("GET", "/api/customer_portal", {}, "/api/customer_portal", 405, "method_not_allowed"),
    ("POST", "/api/checkout_sessions", {}, "/api/checkout_sessions", 401, "not_authenticated"),
    ("POST", "/api/webhooks/stripe", {"content": b"{}"}, "/api/webhooks/stripe", 400,
     "invalid_signature"),
    ("GET", "/api/auth/callback?code=made-up-code", {}, "/api/auth/callback", 303,
     "code_expired"),
    ("GET", "/api/auth/refresh", {}, "/api/auth/refresh", 303, "refresh_refused"),
    ("POST", "/api/auth/sign_out", {"headers": {"Origin": "http://app.test"}},
     "/api/auth/sign_out", 303, "signed_out"),
    ("POST", "/api/auth/sign_out", {}, "/api/auth/sign_out", 403, "cross_site"),
    ("GET", "/api/health", {}, "/api/health", 200, "ok"),
    ("GET", "/api/ready", {}, "/api/ready", 200, "ready"),
])
def test_each_route_names_its_outcome(api: InProcessApp, method, path, kwargs, route, status,
                                      outcome):
    response = api.request(method, path, **kwargs)
    [line] = api.request_log(response.headers["x-request-id"])
    assert (line["route"], line["status"], line["outcome"]) == (route, status, outcome)
    assert line["user_id"] is None


def test_a_user_without_a_subscription_is_logged_by_id(api: InProcessApp, stack,
                                                       demo_users: dict[str, str]):
    session = sign_in(stack, demo.NOSUB_EMAIL)
    response = api.post_portal(
        headers={"Authorization": f"Bearer {session['access_token']}"})
    [line] = api.request_log(response.headers["x-request-id"])
    assert line["status"] == 404 and line["outcome"] == "no_subscription"
    assert line["user_id"] == demo_users[demo.NOSUB_EMAIL]
    assert demo.NOSUB_EMAIL not in json.dumps(line)


def test_a_stripe_failure_keeps_stripes_request_id(api: InProcessApp, demo_session: dict,
                                                   no_faults: Devstack):
    no_faults.stripe_fault("error")
    response = api.post_portal(
        headers={"Authorization": f"Bearer {demo_session['access_token']}"})
    [line] = api.request_log(response.headers["x-request-id"])
    assert line["status"] == 500 and line["outcome"] == "upstream_failed"
    assert line["stripe_request_id"].startswith("req_")


def test_the_query_string_is_never_logged(api: InProcessApp):
    code = "one-time-code-that-must-stay-out-of-logs"
    response = api.get(f"/api/auth/callback?code={code}&next=/x")
    [line] = api.request_log(response.headers["x-request-id"])
    assert line["route"] == "/api/auth/callback"
    assert code not in api.log_text()


def test_no_token_or_key_reaches_the_log(stack: StackConfig, api: InProcessApp,
                                         demo_session: dict):
    assert_no_secret_in_log(api, stack, demo_session)
