"""The request log over real HTTP: one JSON line per /api request in the app's own log, with
the id echoed in X-Request-Id, the route, the user's id (never their email), the outcome, the
latency and Stripe's request id, and never a token or a key."""

from __future__ import annotations

import json

import httpx
import pytest

from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, RunningApp, sign_in

FIELDS = {"kind", "route", "method", "request_id", "status", "outcome", "user_id",
          "stripe_request_id", "latency_ms"}


@pytest.fixture(scope="module")
def demo_session(stack: StackConfig, app_server: RunningApp) -> dict:
    return sign_in(stack, demo.DEMO_EMAIL)


def test_a_portal_request_logs_one_line_with_user_outcome_and_stripe_id(
    app_server: RunningApp, demo_session: dict, demo_users: dict[str, str]
):
    response = app_server.post_portal(
        headers={"Authorization": f"Bearer {demo_session['access_token']}"})
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    [line] = app_server.request_log(request_id)
    assert set(line) == FIELDS
    assert line["kind"] == "api" and line["route"] == "/api/customer_portal"
    assert line["method"] == "POST" and line["status"] == 200 and line["outcome"] == "redirect"
    assert line["user_id"] == demo_users[demo.DEMO_EMAIL]
    assert line["stripe_request_id"].startswith("req_")
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] > 0


def test_every_request_gets_its_own_id(app_server: RunningApp):
    ids = {app_server.post_portal().headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("call,route,status,outcome", [
    (lambda url: httpx.post(f"{url}/api/customer_portal"), "/api/customer_portal", 401,
     "unauthorized"),
    (lambda url: httpx.get(f"{url}/api/customer_portal"), "/api/customer_portal", 405,
     "method_not_allowed"),
    (lambda url: httpx.post(f"{url}/api/webhooks/stripe", content=b"{}"),
     "/api/webhooks/stripe", 400, "invalid_signature"),
    (lambda url: httpx.get(f"{url}/api/auth/callback?code=made-up-code"),
     "/api/auth/callback", 303, "code_expired"),
    (lambda url: httpx.get(f"{url}/api/health"), "/api/health", 200, "ok"),
])
def test_each_route_names_its_outcome(app_server: RunningApp, call, route, status, outcome):
    response = call(app_server.url)
    [line] = app_server.request_log(response.headers["x-request-id"])
    assert (line["route"], line["status"], line["outcome"]) == (route, status, outcome)
    assert line["user_id"] is None


def test_a_user_without_a_subscription_is_logged_by_id(app_server: RunningApp, stack,
                                                       demo_users: dict[str, str]):
    session = sign_in(stack, demo.NOSUB_EMAIL)
    response = app_server.post_portal(
        headers={"Authorization": f"Bearer {session['access_token']}"})
    [line] = app_server.request_log(response.headers["x-request-id"])
    assert line["status"] == 404 and line["outcome"] == "no_subscription_found"
    assert line["user_id"] == demo_users[demo.NOSUB_EMAIL]
    assert demo.NOSUB_EMAIL not in json.dumps(line)


def test_a_stripe_failure_keeps_stripes_request_id(app_server: RunningApp, demo_session: dict,
                                                   no_faults: Devstack):
    no_faults.stripe_fault("error")
    response = app_server.post_portal(
        headers={"Authorization": f"Bearer {demo_session['access_token']}"})
    [line] = app_server.request_log(response.headers["x-request-id"])
    assert line["status"] == 500 and line["outcome"] == "failed_to_create_portal_session"
    assert line["stripe_request_id"].startswith("req_")


def test_the_query_string_is_never_logged(app_server: RunningApp):
    code = "one-time-code-that-must-stay-out-of-logs"
    response = httpx.get(f"{app_server.url}/api/auth/callback?code={code}&next=/x")
    [line] = app_server.request_log(response.headers["x-request-id"])
    assert line["route"] == "/api/auth/callback"
    assert code not in app_server.log_text()


def test_other_paths_are_not_logged_and_get_no_request_id(app_server: RunningApp):
    response = httpx.get(f"{app_server.url}/ping")
    assert response.status_code == 200 and "x-request-id" not in response.headers


def test_no_token_or_key_reaches_the_log(stack: StackConfig, app_server: RunningApp,
                                         demo_session: dict):
    app_server.post_portal(headers={"Authorization": f"Bearer {demo_session['access_token']}"})
    app_server.post_portal(cookies={"sb-access-token": demo_session["access_token"],
                                    "sb-refresh-token": demo_session["refresh_token"]})
    log = app_server.log_text()
    for secret in (demo_session["access_token"], demo_session["refresh_token"],
                   stack.secrets.stripe_secret_key, stack.secrets.stripe_webhook_secret,
                   stack.secrets.api_key("anon"), stack.secrets.api_key("service_role")):
        assert secret not in log
