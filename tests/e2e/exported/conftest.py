"""The app as `make export` builds it, hosted the way a deployment hosts it.

One `make export` per test session, in a copy of the project whose environment, `.env` files
and `.devstack/` hold sentinel secrets (so the tests can show that none reach either zip), and
whose root holds a stray `node_modules/`. Its frontend.zip is served by a plain static server.
Each test module runs its own backend(s) from backend.zip on the API port the build was made
for (the `deployment` fixture), and opens Chromium after them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import jwt
import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browser_steps import chromium, fresh_page
from tests.e2e.exported.hosting import (
    ExportBuild,
    RoundRobinProxy,
    StaticSite,
    copy_project,
    make_export,
    unzip,
)
from tests.helpers import RunningApp, free_port


def _sentinel(label: str) -> str:
    return f"sentinel{label}{uuid.uuid4().hex}"


def _supabase_key(role: str) -> str:
    return jwt.encode({"role": role, "ref": _sentinel("ref")}, _sentinel("jwtsecret"), "HS256")


@dataclass
class Deployment:
    frontend_url: str
    api_url: str
    backends: list[RunningApp] = field(default_factory=list)
    proxy: RoundRobinProxy | None = None  # in front of the backends, when there are several


@pytest.fixture(scope="session")
def build_env_secrets() -> dict[str, str]:
    """Every setting, as it might be on a careless build machine: real-looking and secret."""
    return {
        "SUPABASE_URL": f"https://{_sentinel('project')}.supabase.co",
        "SUPABASE_PUBLISHABLE_KEY": f"sb_publishable_{_sentinel('publishable')}",
        "SUPABASE_SECRET_KEY": f"sb_secret_{_sentinel('secret')}",
        "SUPABASE_ANON_KEY": _supabase_key("anon"),
        "SUPABASE_SERVICE_ROLE_KEY": _supabase_key("service_role"),
        "STRIPE_SECRET_KEY": f"sk_live_{_sentinel('stripe')}",
        "STRIPE_WEBHOOK_SECRET": f"whsec_{_sentinel('webhook')}",
        "STRIPE_CUSTOMER_PORTAL_CONFIG_ID": f"bpc_{_sentinel('portal')}",
        "REDIS_URL": f"redis://:{_sentinel('redispassword')}@127.0.0.1:{free_port()}/0",
        "DATABASE_URL": f"postgresql://postgres:{_sentinel('dbpassword')}@127.0.0.1:1/postgres",
    }


@pytest.fixture(scope="session")
def build_file_secrets() -> dict[str, str]:
    """What the copy's `.env`, `.env.production` and `.devstack/env` hold."""
    return {name: _sentinel(name.replace("/", "").replace(".", "")) for name in
            (".env", ".env.production", ".devstack/env")}


@pytest.fixture(scope="session")
def export_build(tmp_path_factory: pytest.TempPathFactory, build_env_secrets: dict[str, str],
                 build_file_secrets: dict[str, str]) -> ExportBuild:
    project = copy_project(tmp_path_factory.mktemp("export") / "project")
    for path, secret in build_file_secrets.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(f"STRIPE_SECRET_KEY=sk_test_{secret}\n")
    (project / "node_modules" / "left-pad").mkdir(parents=True)
    (project / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1;\n")
    return make_export(project, free_port(), build_env_secrets)


@pytest.fixture(scope="session")
def frontend_site(export_build: ExportBuild,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    workdir = tmp_path_factory.mktemp("frontend")
    site = StaticSite(unzip(export_build.frontend_zip, workdir / "site"), free_port(),
                      workdir / "static.log")
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="module")
def browser(deployment: Deployment) -> Iterator[Browser]:
    """Opened after this module's deployment is up (see tests/e2e/conftest.py)."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, deployment: Deployment) -> Iterator[Page]:
    with fresh_page(browser, deployment.frontend_url) as fresh:
        yield fresh
