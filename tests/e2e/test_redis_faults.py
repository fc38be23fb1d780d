"""Redis going away and coming back, under the app as hosted with REDIS_URL (`reflex run --env
prod`, two workers) and Chromium. Redis holds Reflex's state, the sign-in codes and the rate-limit
counts; this module's own redis-server is stopped (or paused) and started again, and the app is
never restarted. What each behaviour is, and why, is in the README ("When Redis is down").
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from billing_app.platform import health
from billing_app.ui.backend_errors import UNAVAILABLE
from devstack import seed as demo
from devstack.config import StackConfig
from tests.e2e.browser_steps import sign_in_as
from tests.helpers import RedisServer, RunningApp, app_of_its_own, sign_in

pytestmark = pytest.mark.e2e

BILLING = re.compile(r"/dashboard/settings/billing/?$")
REDIS_TIMEOUT_S = 2.0  # the default of REDIS_TIMEOUT_S
# /api/ready keeps its answer this long, then checks for at most 2 s.
READY_SEES_IT_WITHIN_S = health.READY_CACHE_S + health.READY_TIMEOUT_S + 3


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-faults")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def app(stack: StackConfig, demo_users, redis: RedisServer,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with app_of_its_own(stack, tmp_path_factory.mktemp("redis-faults-app"),
                        {"REDIS_URL": redis.url, "GRANIAN_WORKERS": "2"}) as running:
        yield running



@pytest.fixture(autouse=True)
def redis_back_afterwards(redis: RedisServer) -> Iterator[None]:
    """Whatever a test did to Redis, the next one starts with it running."""
    yield
    if redis.proc is not None and redis.proc.poll() is None:
        os.kill(redis.proc.pid, signal.SIGCONT)
    else:
        redis.start()


def timed(call) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = call()
    return time.monotonic() - started, response


def ready_until(app: RunningApp, status: int) -> dict:
    """Ask /api/ready until it answers `status`; each answer within the 2 s limit."""
    deadline = time.monotonic() + READY_SEES_IT_WITHIN_S
    while True:
        took, response = timed(lambda: app.get("/api/ready"))
        assert took < health.READY_TIMEOUT_S + 1, f"/api/ready took {took:.1f} s"
        if response.status_code == status:
            return response.json()
        assert time.monotonic() < deadline, f"/api/ready still {response.status_code}"
        time.sleep(0.5)


def test_ready_names_redis_while_it_is_down(app: RunningApp, redis: RedisServer, no_faults):
    ready_until(app, 200)
    redis.stop()
    body = ready_until(app, 503)
    assert body["failing"] == ["redis"]
    assert body["checks"] == {"supabase": "ok", "stripe": "ok", "redis": "failing"}
    redis.start()
    assert ready_until(app, 200)["checks"]["redis"] == "ok"


def test_a_bearer_portal_call_works_while_redis_is_down(app: RunningApp, redis: RedisServer,
                                                        stack: StackConfig):
    """The rate limit counts in each worker's memory meanwhile (README: fail over, not open)."""
    token = sign_in(stack, demo.DEMO_EMAIL)["access_token"]
    redis.stop()
    for _ in range(3):
        took, response = timed(lambda: app.post_portal(
            headers={"Authorization": f"Bearer {token}"}))
        assert response.status_code == 200 and "/p/session/" in response.json()["url"]
        assert took < REDIS_TIMEOUT_S + 3, f"the portal took {took:.1f} s"


def test_a_signed_in_page_says_so_then_works_again_once_redis_is_back(
    page: Page, redis: RedisServer, stack: StackConfig
):
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(page).to_have_url(BILLING)
    button = page.get_by_role("button", name="Manage Subscription")
    expect(button).to_be_enabled()

    redis.stop()
    button.click()
    expect(page.get_by_text(UNAVAILABLE)).to_be_visible(timeout=5_000)
    expect(page).to_have_url(BILLING)

    redis.start()  # empty: the tab's state is gone, its session cookies are not
    button.click()  # the same page, no reload, no backend restart
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))
    page.goto("/dashboard/settings/billing")
    expect(page.get_by_text("Pro (monthly)")).to_be_visible(timeout=20_000)  # as below


def test_sign_in_during_the_outage_says_so_then_works(page: Page, redis: RedisServer):
    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    redis.stop()
    started = time.monotonic()
    sign_in_as(page, demo.DEMO_EMAIL, start="/login")
    expect(page.get_by_text(UNAVAILABLE)).to_be_visible(timeout=5_000)
    print(f"\nsign-in during a Redis outage: the message after {time.monotonic() - started:.1f} s")
    expect(page).to_have_url(re.compile(r"/login"))

    redis.start()
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(BILLING)
    # About one run in ten the first load after Redis's return takes more than 5 s (README:
    # When Redis is down); it comes.
    expect(page.get_by_text("Pro (monthly)")).to_be_visible(timeout=20_000)


def test_with_redis_hung_no_request_outlasts_its_timeout(app: RunningApp, redis: RedisServer,
                                                         stack: StackConfig):
    """A Redis that stops answering (paused) rather than going away: each route gives up on it
    within REDIS_TIMEOUT_S (readiness within its own 2 s) and answers as documented."""
    token = sign_in(stack, demo.DEMO_EMAIL)["access_token"]
    assert redis.proc is not None
    os.kill(redis.proc.pid, signal.SIGSTOP)
    try:
        body = ready_until(app, 503)
        assert body["failing"] == ["redis"]
        took, portal = timed(lambda: app.post_portal(
            headers={"Authorization": f"Bearer {token}"}))
        assert portal.status_code == 200 and took < REDIS_TIMEOUT_S + 3, f"{took:.1f} s"
        took, callback = timed(lambda: app.get("/api/auth/callback?code=some-code"))
        assert callback.status_code == 303 and took < REDIS_TIMEOUT_S + 2, f"{took:.1f} s"
        assert "error=unavailable" in callback.headers["location"]
        print(f"\nRedis paused: portal and callback answered within {took:.1f} s")
    finally:
        os.kill(redis.proc.pid, signal.SIGCONT)
    ready_until(app, 200)
