"""The app as hosted (`reflex run --env prod`, one port): each route once over real HTTP, the
cookies as the real server writes them, the Stripe stand-in's own webhook deliveries, keep-alive
connections, and a server log with no secret in it (not even from Reflex's own error lines). Every documented answer of each route is
tested in-process, in tests/integration/api/."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import httpx
import pytest
import socketio

from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, RunningApp, assert_no_secret_in_log, bearer, sign_in


@pytest.fixture(scope="module")
def demo_session(stack: StackConfig, app_server: RunningApp) -> dict:
    return sign_in(stack, demo.DEMO_EMAIL)


def test_the_portal_route_answers_a_url(app_server: RunningApp, demo_session, devstack: Devstack):
    response = app_server.post_portal(headers=bearer(demo_session["access_token"]))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    made = devstack.portal_sessions()[-1]
    assert made["url"] == response.json()["url"]
    assert made["return_url"] == f"{app_server.url}/dashboard/settings/billing"


def test_the_checkout_route_answers_a_url(app_server: RunningApp, make_user):
    user = make_user()
    response = app_server.post("/api/checkout_sessions", headers=bearer(user.access_token))
    assert response.status_code == 200 and set(response.json()) == {"url"}


def test_the_stand_ins_webhooks_reach_the_row(app_server: RunningApp, devstack: Devstack,
                                              make_user, stripe_client, admin):
    user = make_user()
    customer = stripe_client.v1.customers.create(params={
        "metadata": {"user_id": user.id}, "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": "price_devstack_pro_monthly"}],
        "metadata": {"user_id": user.id}})
    devstack.wait_for_webhooks()
    row = admin.table("user_subscriptions").select("*").eq("user_id", user.id).single().execute()
    assert (row.data["stripe_subscription_id"], row.data["status"]) == (sub.id, "active")
    assert any(d["type"] == "customer.subscription.created" and d["status"] == "delivered"
               and d["url"] == f"{app_server.url}/api/webhooks/stripe"
               for d in devstack.deliveries())


def test_refresh_rewrites_httponly_cookies(stack: StackConfig, app_server: RunningApp):
    session = sign_in(stack, demo.DEMO_EMAIL)
    response = app_server.get("/api/auth/refresh?next=/dashboard/settings/billing",
                              cookies={"sb-refresh-token": session["refresh_token"]})
    assert response.status_code == 303
    assert response.headers["location"] == f"{app_server.url}/dashboard/settings/billing"
    set_cookies = response.headers.get_list("set-cookie")
    assert sorted(c.split("=", 1)[0] for c in set_cookies) == ["sb-access-token",
                                                               "sb-refresh-token"]
    for cookie in set_cookies:
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def test_an_unknown_sign_in_code_goes_back_to_login(app_server: RunningApp):
    response = app_server.get("/api/auth/callback?code=made-up&next=/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"{app_server.url}/login?next=%2Fdashboard&error=expired")
    # No session; only the sign-in nonce, if any, is cleared.
    assert [c.split("=", 1)[0] for c in response.headers.get_list("set-cookie")] == [
        "sb-sign-in-nonce"]
    assert "Max-Age=0" in response.headers["set-cookie"]


def test_sign_out_clears_the_cookies(app_server: RunningApp):
    response = app_server.post("/api/auth/sign_out", headers={"Origin": app_server.url})
    assert (response.status_code, response.headers["location"]) == (303,
                                                                     f"{app_server.url}/login")
    assert all("Max-Age=0" in c for c in response.headers.get_list("set-cookie"))


@pytest.mark.parametrize("path,body", [("/api/health", {"status": "ok"}),
                                       ("/api/ready", {"status": "ready", "checks": {
                                           "supabase": "ok", "stripe": "ok"}})])
def test_health_routes(app_server: RunningApp, no_faults: Devstack, path: str, body: dict):
    response = app_server.get(path)
    assert (response.status_code, response.json()) == (200, body)


def test_a_connection_stays_usable_after_an_unread_body(app_server: RunningApp):
    """The portal reads no more of its body than a flow's name takes (a longer one is 400); the
    server must still read the rest before answering, or it closes the keep-alive connection
    and the client's next request on it is lost."""
    with httpx.Client(base_url=app_server.url, timeout=30,
                      limits=httpx.Limits(max_connections=1)) as client:
        for _ in range(3):
            assert client.post("/api/customer_portal", content=b"x" * 500_000).status_code == 400
            assert client.get("/api/health").status_code == 200


def test_other_paths_are_not_logged_and_get_no_request_id(app_server: RunningApp):
    response = app_server.get("/ping")
    assert response.status_code == 200 and "x-request-id" not in response.headers


def test_no_token_or_key_reaches_the_servers_log(stack: StackConfig, app_server: RunningApp,
                                                 demo_session: dict):
    assert_no_secret_in_log(app_server, stack, demo_session)


def send_an_unknown_event(app: RunningApp, cookie: str, authorization: str, query: dict) -> None:
    """What a browser (or anyone) can send: a websocket event naming a handler that doesn't
    exist. Reflex logs the whole event, with the handshake's headers and the page's query."""

    async def send() -> None:
        client = socketio.AsyncClient()
        await client.connect(f"{app.url}?token={uuid.uuid4()}", socketio_path="/_event",
                             namespaces=["/_event"], transports=["websocket"],
                             headers={"Cookie": cookie, "Authorization": authorization,
                                      "Origin": app.url})
        await client.emit("event", {
            "name": "reflex___state____state.no_such_handler", "payload": {},
            "router_data": {"pathname": "/login", "query": query,
                            "asPath": "/login?" + "&".join(f"{k}={v}" for k, v in query.items())},
        }, namespace="/_event")
        await asyncio.sleep(0.5)
        await client.disconnect()

    asyncio.run(send())


def test_an_unknown_websocket_event_logs_no_token_code_or_bearer(stack: StackConfig,
                                                                 app_server: RunningApp):
    session = sign_in(stack, demo.DEMO_EMAIL)
    code = f"one-time-code-{uuid.uuid4().hex}"
    bearer_token = f"bearer-{uuid.uuid4().hex}"
    cookie = (f"sb-access-token={session['access_token']}; "
              f"sb-refresh-token={session['refresh_token']}; "
              f"__Host-sb-refresh-token=host-{session['refresh_token']}")
    send_an_unknown_event(app_server, cookie, f"Bearer {bearer_token}",
                          {"code": code, "next": "/dashboard"})
    deadline = time.monotonic() + 10
    while "no_such_handler" not in app_server.log_text():
        assert time.monotonic() < deadline, "Reflex logged nothing for the unknown event"
        time.sleep(0.1)
    # The console wraps long lines: compare with every line break and space taken out.
    log = re.sub(r"\s+", "", app_server.log_text())
    leaked = {name: secret in log for name, secret in (
        ("access token", session["access_token"]), ("refresh token", session["refresh_token"]),
        ("code", code), ("bearer token", bearer_token))}
    assert leaked == dict.fromkeys(leaked, False)
    assert "[redacted]" in log  # the event was logged, without them
