"""The sign-in limit as a user meets it on /login, on an instance of its own with the default
limits (5 a minute per email, 20 per address) and Supabase Auth's /token bucket at GoTrue's
default (30 at once): 15 wrong passwords for one email show "Too many sign-in attempts", and
Supabase's bucket is not drained by them: a correct sign-in from the same address right after
succeeds."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from devstack import seed as demo
from devstack.config import StackConfig
from tests.e2e.browser_steps import sign_in_as
from tests.e2e.exported.conftest import Deployment
from tests.e2e.exported.hosting import ExportBuild, StaticSite, unzip
from tests.helpers import Devstack, RunningApp, launch_app, stop_app

pytestmark = pytest.mark.e2e

TOO_MANY = re.compile(r"^Too many sign-in attempts\. Try again in (\d+) seconds\.$")


@pytest.fixture(scope="module")
def deployment(export_build: ExportBuild, frontend_site: StaticSite, stack: StackConfig,
               demo_users: dict[str, str],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("sign-in-limits")
    proc, backend = launch_app(
        stack, workdir / "backend.log", backend_only=True, port=export_build.api_port,
        cwd=unzip(export_build.backend_zip, workdir / "backend"),
        extra_env={"SITE_URL": frontend_site.url, "REFLEX_API_URL": export_build.api_url},
    )
    try:
        yield Deployment(frontend_site.url, export_build.api_url, [backend])
    finally:
        stop_app(proc)


def attempts_logged(backend: RunningApp, count: int) -> list[dict]:
    """Wait for the backend's request log to hold `count` sign-in attempts; return them."""
    deadline = time.monotonic() + 20
    while True:
        lines = [line for line in backend.request_log("login.sign_in", timeout=0)
                 if line["route"] == "login.sign_in"]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_15_wrong_passwords_show_the_message_and_the_right_one_still_signs_in(
    page: Page, deployment: Deployment, stack: StackConfig, gotrue_token_bucket: Devstack
):
    backend = deployment.backends[0]
    victim = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    alert = page.get_by_role("alert")
    page.goto("/login")
    page.get_by_label("Email").fill(victim)
    for n in range(1, 16):
        page.get_by_label("Password").fill(f"wrong-password-{n}")
        page.get_by_role("button", name="Sign in").click()
        assert len(attempts_logged(backend, n)) == n
        if n <= 5:
            expect(alert).to_have_text("Wrong email or password.")
        else:
            expect(alert).to_have_text(TOO_MANY)
            assert 1 <= int(TOO_MANY.match(alert.inner_text()).group(1)) <= 60
    outcomes = [line["outcome"] for line in attempts_logged(backend, 15)]
    assert outcomes == ["wrong_credentials"] * 5 + ["too_many_sign_ins"] * 10
    # Supabase saw five of them: 25 of this address's 30 are left. Spend 24 more directly...
    wrong = {"email": "nobody@example.com", "password": "wrong-one"}
    spent = [httpx.post(f"{stack.supabase_url}/auth/v1/token?grant_type=password",
                        headers={"apikey": stack.api_key("anon")}, json=wrong).status_code
             for _ in range(24)]
    assert spent == [400] * 24

    # ...and the last one is the user's: same browser, same address, the right password.
    sign_in_as(page, demo.DEMO_EMAIL)
    expect(page).to_have_url(re.compile(r"/dashboard/settings/billing"))
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
