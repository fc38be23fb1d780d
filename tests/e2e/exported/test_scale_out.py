"""Scaling out: two backend instances from backend.zip, sharing one Redis (REDIS_URL), behind one
address. A user's sign-in, billing page and portal round trip pass while their steps land on
alternate instances, which only works when both the sign-in codes and Reflex's state are shared.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from devstack import seed
from devstack.config import StackConfig
from tests.e2e.browser_steps import sign_in_as
from tests.e2e.exported.conftest import Deployment
from tests.e2e.exported.hosting import ExportBuild, RoundRobinProxy, StaticSite, unzip
from tests.helpers import Devstack, RedisServer, free_port, launch_app, stop_app

pytestmark = pytest.mark.e2e

DATE = r"\w+ \d{1,2}, \d{4}"
INSTANCES = 2


@pytest.fixture(scope="module")
def deployment(export_build: ExportBuild, frontend_site: StaticSite, stack: StackConfig,
               demo_users: dict[str, str], devstack: Devstack, redis_server: RedisServer,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Each instance unzips backend.zip into its own folder (as on its own machine) and runs
    `reflex run --env prod --backend-only` with the same settings and REDIS_URL; the proxy
    takes the address the frontend was built for."""
    workdir = tmp_path_factory.mktemp("scaled-out")
    procs, backends = [], []
    try:
        for number in range(INSTANCES):
            proc, backend = launch_app(
                stack, workdir / f"instance-{number}.log", backend_only=True, port=free_port(),
                cwd=unzip(export_build.backend_zip, workdir / f"instance-{number}"),
                extra_env={"SITE_URL": frontend_site.url, "REFLEX_API_URL": export_build.api_url,
                           "REDIS_URL": redis_server.url},
            )
            procs.append(proc)
            backends.append(backend)
        proxy = RoundRobinProxy(export_build.api_port,
                                [int(b.url.rsplit(":", 1)[1]) for b in backends])
        proxy.start()
        previous_webhook = devstack.webhook_url()
        devstack.point_webhooks(f"{export_build.api_url}/api/webhooks/stripe")
        try:
            yield Deployment(frontend_site.url, export_build.api_url, backends, proxy)
        finally:
            devstack.point_webhooks(previous_webhook)
            proxy.stop()
    finally:
        for proc in procs:
            stop_app(proc)


@pytest.fixture
def fresh_subscriber(admin, stripe_client) -> tuple[str, str]:
    """(email, user id) of an active Pro monthly subscriber of this test alone."""
    email = f"scale-{uuid.uuid4().hex[:12]}@example.com"
    row = seed.create_subscriber(admin, stripe_client, email)
    return email, row["user_id"]


def served(deployment: Deployment, user_id: str, route: str) -> set[int]:
    """The instances whose request log shows `route` for this user."""
    return {number for number, backend in enumerate(deployment.backends)
            if any(line["route"] == route and line["user_id"] == user_id
                   for line in backend.request_log(user_id, timeout=0))}


def test_sign_in_billing_and_portal_pass_across_instances(
    page: Page, deployment: Deployment, fresh_subscriber: tuple[str, str], no_faults: Devstack
):
    email, user_id = fresh_subscriber
    sign_in_as(page, email)
    billing = re.compile(re.escape(deployment.frontend_url) + r"/dashboard/settings/billing/?$")
    expect(page).to_have_url(billing)
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible()

    page.get_by_role("button", name="Manage Subscription").click()
    expect(page.get_by_text("Local stand-in for Stripe's hosted customer portal")).to_be_visible()
    # The webhook's write fails three times (the stand-in retries after 0.5, 1 and 2 s), so the
    # page back from the portal must notice the pending change itself: it knows of it only
    # through the state the Manage Subscription click left, on the other instance.
    no_faults.supabase_fault("rest", "error", times=3, path="/rpc/")
    page.get_by_role("button", name="Cancel subscription").click()
    page.get_by_role("link", name=re.compile("Return to")).click()
    expect(page).to_have_url(billing)
    expect(page.get_by_text("Updating…")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^Cancels on {DATE}$"))).to_be_visible(timeout=10_000)

    # Where each step ran, from the instances' own request logs and the proxy's record.
    signed_in_on = served(deployment, user_id, "login.sign_in")
    callback_on = served(deployment, user_id, "/api/auth/callback")
    portal_on = served(deployment, user_id, "billing.open_portal")
    assert len(signed_in_on) == len(callback_on) == len(portal_on) == 1
    assert signed_in_on != callback_on, "the sign-in code crossed instances through Redis"
    assert deployment.proxy is not None
    websockets = [r.instance for r in deployment.proxy.routed if r.kind == "websocket"]
    assert websockets[-1] not in portal_on, "the page back from the portal was on the other one"
    assert signed_in_on | callback_on | portal_on == set(range(INSTANCES))
    for backend in deployment.backends:
        assert email not in backend.log_text()  # logs name users by id only
