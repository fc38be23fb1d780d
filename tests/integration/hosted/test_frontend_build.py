"""The exported frontend holds no secret.

The `https_app` instance builds its frontend afresh (its project copy leaves the old build
behind) with the stand-ins' keys in its environment. Those keys are made at random for each
test run, so they serve as sentinels: a build that embedded any of them, or served it, would be
caught here. What the browser receives over the websocket is checked in
tests/e2e/test_https_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from devstack.config import StackConfig
from tests.helpers import HttpsApp

SKIPPED_FOLDERS = {"node_modules"}  # the frontend's packages, as installed from the registry


def built_files(web: Path) -> list[Path]:
    return [p for p in web.rglob("*")
            if p.is_file() and not SKIPPED_FOLDERS & set(p.relative_to(web).parts)]


def test_the_built_frontend_and_the_served_pages_hold_no_secret(https_app: HttpsApp,
                                                                 stack: StackConfig):
    sentinels = {
        "STRIPE_SECRET_KEY": stack.secrets.stripe_secret_key,
        "SUPABASE_SERVICE_ROLE_KEY": stack.api_key("service_role"),
        "STRIPE_WEBHOOK_SECRET": stack.secrets.stripe_webhook_secret,
        "the JWT secret": stack.secrets.jwt_secret,
        "DATABASE_URL's password": stack.secrets.postgres_password,
    }
    web = https_app.project_dir / ".web"
    files = built_files(web)
    client_files = [p for p in files if "build" in p.relative_to(web).parts]
    assert len([p for p in client_files if p.suffix == ".js"]) >= 5  # there is a build to search
    text = "\n".join(p.read_bytes().decode("utf-8", "replace") for p in files)
    assert https_app.url in text  # what the build does embed (its own address) is found
    found = [name for name, value in sentinels.items() if value in text]
    assert found == []

    served = []
    with httpx.Client(verify=https_app.front.client_context(), follow_redirects=True) as client:
        for path in ("/", "/login", "/dashboard/settings/billing"):
            served.append(client.get(f"{https_app.url}{path}").text)
    assert not [name for name, value in sentinels.items() if any(value in t for t in served)]
