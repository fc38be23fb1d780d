"""`make export`: both zips in the project root, no dev or test files and no secrets in them,
and the exported app working in Chromium with its frontend on a plain static server and its
backend, from backend.zip, on another port."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from devstack import seed as demo
from devstack.config import StackConfig
from tests.e2e.browser_steps import sign_in_as
from tests.e2e.exported.conftest import Deployment
from tests.e2e.exported.hosting import ExportBuild, StaticSite, unzip, zip_texts
from tests.helpers import Devstack, launch_app, stop_app

pytestmark = pytest.mark.e2e

# What a backend needs to run: the app's code, Reflex's config, the pinned requirements, and
# the backend part of Reflex's build (.web/backend). README.md and assets/ may ride along.
BACKEND_NEEDS = {"rxconfig.py", "billing_app", "requirements.txt", ".web"}
BACKEND_MAY_HOLD = BACKEND_NEEDS | {"README.md", "assets"}


@pytest.fixture(scope="module")
def deployment(export_build: ExportBuild, frontend_site: StaticSite, stack: StackConfig,
               demo_users: dict[str, str], devstack: Devstack,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """backend.zip, unzipped alone and run with the stand-ins' settings on the port the build
    was made for; the static frontend on another port."""
    workdir = tmp_path_factory.mktemp("exported-backend")
    proc, backend = launch_app(
        stack, workdir / "backend.log", backend_only=True, port=export_build.api_port,
        cwd=unzip(export_build.backend_zip, workdir / "backend"),
        extra_env={"SITE_URL": frontend_site.url, "REFLEX_API_URL": export_build.api_url},
    )
    previous_webhook = devstack.webhook_url()
    devstack.point_webhooks(f"{export_build.api_url}/api/webhooks/stripe")
    try:
        yield Deployment(frontend_site.url, export_build.api_url, [backend])
    finally:
        devstack.point_webhooks(previous_webhook)
        stop_app(proc)


def test_make_export_leaves_both_zips_in_the_project_root(export_build: ExportBuild):
    assert zipfile.is_zipfile(export_build.frontend_zip)
    assert zipfile.is_zipfile(export_build.backend_zip)


def test_make_export_refuses_to_build_without_reflex_api_url(export_build: ExportBuild):
    env = {k: v for k, v in os.environ.items()
           if k != "REFLEX_API_URL" and not k.startswith(("MAKE", "MFLAGS"))}
    done = subprocess.run(["make", "export"], cwd=export_build.project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "make export: set REFLEX_API_URL" in done.stderr


def test_backend_zip_holds_the_backend_and_no_dev_or_test_files(export_build: ExportBuild):
    names = zipfile.ZipFile(export_build.backend_zip).namelist()
    top = {name.split("/")[0] for name in names}
    assert BACKEND_NEEDS <= top <= BACKEND_MAY_HOLD, sorted(top - BACKEND_MAY_HOLD)
    assert "billing_app/billing_app.py" in names
    assert all(name.startswith(".web/backend/") for name in names if name.startswith(".web/"))
    for name in names:
        parts = name.split("/")
        assert not {"tests", "devstack", "node_modules", ".devstack", ".venv", ".tools",
                    "__pycache__"} & set(parts), name
        assert not any(part.startswith(".env") for part in parts), name


def test_neither_zip_holds_a_secret_from_the_build_machine(
    export_build: ExportBuild, build_env_secrets: dict[str, str],
    build_file_secrets: dict[str, str],
):
    secrets = [*build_env_secrets.values(), *build_file_secrets.values()]
    for archive in (export_build.frontend_zip, export_build.backend_zip):
        for name, data in zip_texts(archive):
            for secret in secrets:
                assert secret.encode() not in data, f"{archive.name}:{name} holds a secret"


def test_the_frontend_is_built_for_the_backend_at_reflex_api_url(export_build: ExportBuild):
    built = b"".join(data for name, data in zip_texts(export_build.frontend_zip)
                     if name.endswith(".js"))
    assert f"{export_build.api_url}/_event".replace("http", "ws").encode() in built
    assert b"localhost:8000" not in built


def test_the_static_server_serves_prerendered_routes_and_the_spa_shell(
    frontend_site: StaticSite,
):
    for path in ("/", "/login", "/login/", "/dashboard/settings/billing"):
        response = httpx.get(f"{frontend_site.url}{path}", follow_redirects=True)
        assert response.status_code == 200 and "<script" in response.text, path
    unknown = httpx.get(f"{frontend_site.url}/no/such/page")
    assert unknown.status_code == 404 and "<script" in unknown.text  # the app's own 404 page


def test_the_backend_serves_the_api_and_health_on_its_own_port(deployment: Deployment):
    assert httpx.get(f"{deployment.api_url}/api/health").json() == {"status": "ok"}
    assert httpx.get(f"{deployment.api_url}/api/ready").json()["status"] == "ready"
    refused = httpx.post(f"{deployment.api_url}/api/customer_portal")
    assert (refused.status_code, refused.json()) == (401, {"error": "Unauthorized"})


def test_the_portal_flow_with_frontend_and_backend_on_different_ports(
    page: Page, deployment: Deployment, stack: StackConfig
):
    sign_in_as(page, demo.DEMO_EMAIL)
    billing = re.compile(re.escape(deployment.frontend_url) + r"/dashboard/settings/billing/?$")
    expect(page).to_have_url(billing)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
    # The backend set the session cookies for the host; cookies ignore ports, so the page's
    # websocket to the backend carries them.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sb-access-token"]["domain"] == "localhost"
    assert cookies["sb-access-token"]["httpOnly"]
    page.get_by_role("button", name="Manage Subscription").click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))
    expect(page.get_by_text("Local stand-in for Stripe's hosted customer portal")).to_be_visible()
    page.get_by_role("link", name=re.compile("Return to")).click()
    expect(page).to_have_url(billing)
    expect(page.get_by_text("Pro (monthly)")).to_be_visible()
