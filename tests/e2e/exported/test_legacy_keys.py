"""One Chromium run on the legacy key generation: backend.zip on a stack brought up as
`DEVSTACK_SUPABASE_KEYS=legacy` does it (JWT anon / service_role keys under their old names,
HS256 tokens). Sign-in, Subscribe through Checkout, the webhook's write through the legacy
service role, and the portal round trip."""

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
from tests.e2e.exported.hosting import ExportBuild, StaticSite, unzip
from tests.helpers import Devstack, launch_app, stop_app

pytestmark = pytest.mark.e2e

DATE = r"\w+ \d{1,2}, \d{4}"


@pytest.fixture(scope="module")
def deployment(export_build: ExportBuild, frontend_site: StaticSite, legacy_stack: StackConfig,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("legacy-keys")
    proc, backend = launch_app(
        legacy_stack, workdir / "backend.log", backend_only=True,
        port=export_build.api_port, cwd=unzip(export_build.backend_zip, workdir / "backend"),
        extra_env={"SITE_URL": frontend_site.url, "REFLEX_API_URL": export_build.api_url},
    )
    assert "SUPABASE_ANON_KEY" in backend.env and "SUPABASE_PUBLISHABLE_KEY" not in {
        k for k, v in backend.env.items() if v}
    stripe_control = Devstack(legacy_stack)
    previous = stripe_control.webhook_url()
    stripe_control.point_webhooks(f"{export_build.api_url}/api/webhooks/stripe")
    try:
        yield Deployment(frontend_site.url, export_build.api_url, [backend])
    finally:
        stripe_control.point_webhooks(previous)
        stop_app(proc)


def test_subscribe_then_manage_on_the_legacy_keys(page: Page, deployment: Deployment,
                                                 legacy_stack: StackConfig):
    email = f"legacy-e2e-{uuid.uuid4().hex[:10]}@example.com"
    seed.recreate_user(seed.admin_client(legacy_stack), email)
    sign_in_as(page, email)
    billing = re.compile(re.escape(deployment.frontend_url) + r"/dashboard/settings/billing")
    expect(page).to_have_url(billing)
    expect(page.get_by_text("You don't have a subscription yet.")).to_be_visible()

    page.get_by_role("button", name="Subscribe to Pro").click()
    expect(page.get_by_text("Local stand-in for Stripe's hosted checkout")).to_be_visible()
    page.get_by_role("button", name="Subscribe").click()
    # Back on the billing page once the webhook, written with the legacy service_role key,
    # has made the row.
    expect(page.get_by_text(re.compile(rf"^Renews on {DATE}$"))).to_be_visible(timeout=15_000)

    page.get_by_role("button", name="Manage Subscription").click()
    expect(page.get_by_text("Local stand-in for Stripe's hosted customer portal")).to_be_visible()
    page.get_by_role("button", name="Cancel subscription").click()
    page.get_by_role("link", name=re.compile("Return to")).click()
    expect(page).to_have_url(billing)
    expect(page.get_by_text(re.compile(rf"^Cancels on {DATE}$"))).to_be_visible(timeout=15_000)
