"""CORS and the websocket's Origin check: only SITE_URL's origin may read answers with cookies.

Reflex's default would echo any Origin with `Access-Control-Allow-Credentials: true`, letting any
website read a signed-in user's portal URL. rxconfig.py narrows it (billing_app/platform/origins.py);
these tests ask the app as hosted, over HTTP and a real websocket.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import RunningApp, sign_in

UNTRUSTED = [
    "https://evil.example",
    "http://localhost:3000",  # the dev frontend: trusted only in development
    "null",
    "http://localhost",  # same host, other port
    "https://localhost",
]
API_PATHS = ["/api/customer_portal", "/api/checkout_sessions", "/api/subscription/resume",
             "/api/auth/sign_out"]


@pytest.fixture(scope="module")
def session(stack: StackConfig, app_server: RunningApp) -> dict:
    return sign_in(stack, demo.DEMO_EMAIL)


def preflight(app: RunningApp, path: str, origin: str) -> httpx.Response:
    return httpx.options(f"{app.url}{path}", timeout=10, headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })


@pytest.mark.parametrize("origin", UNTRUSTED)
@pytest.mark.parametrize("path", API_PATHS)
def test_an_untrusted_preflight_gets_no_allow_origin(app_server: RunningApp, path: str,
                                                     origin: str):
    response = preflight(app_server, path, origin)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("origin", UNTRUSTED)
def test_an_untrusted_simple_request_gets_no_allow_origin(app_server: RunningApp, session,
                                                          origin: str):
    response = app_server.post_portal(
        headers={"Origin": origin},
        cookies={"sb-access-token": session["access_token"],
                 "sb-refresh-token": session["refresh_token"]},
    )
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code == 403  # and nothing was made (tests/integration/api/test_csrf.py)


@pytest.mark.parametrize("path", API_PATHS)
def test_site_urls_origin_is_allowed_in_preflight(app_server: RunningApp, path: str):
    response = preflight(app_server, path, app_server.url)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == app_server.url
    assert response.headers["access-control-allow-credentials"] == "true"


def test_site_urls_origin_can_read_the_answer(app_server: RunningApp, session):
    response = app_server.post_portal(
        headers={"Origin": app_server.url},
        cookies={"sb-access-token": session["access_token"]},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == app_server.url
    assert response.headers["access-control-allow-credentials"] == "true"


def event_socket_url(app: RunningApp) -> str:
    return f"ws://{urlsplit(app.url).netloc}/_event/?EIO=4&transport=websocket"


@pytest.mark.parametrize("origin", UNTRUSTED)
def test_the_websocket_refuses_an_untrusted_origin(app_server: RunningApp, origin: str):
    with (pytest.raises(InvalidStatus) as refused,
          connect(event_socket_url(app_server), origin=origin, open_timeout=10)):
        pass
    assert refused.value.response.status_code in (400, 403)


def test_the_websocket_accepts_site_urls_origin(app_server: RunningApp):
    with connect(event_socket_url(app_server), origin=app_server.url, open_timeout=10) as socket:
        assert socket.recv(timeout=10).startswith("0{")  # Engine.IO's "open" packet
