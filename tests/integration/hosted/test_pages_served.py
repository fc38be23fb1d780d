"""The built pages as the one-port server hands them out: at their own path without a redirect,
Brotli-compressed, the hashed assets kept by browsers and the pages revalidated, and within the
page's byte budget (bench/RESULTS.md: a cold load transfers at most 200 KiB)."""

from __future__ import annotations

import re

import httpx

from billing_app.api.pages import IMMUTABLE, REVALIDATE
from billing_app.platform import paths
from tests.helpers import RunningApp

BROWSER_ENCODINGS = {"Accept-Encoding": "gzip, deflate, br, zstd"}
BUDGET_BYTES = 200 * 1024
# What the HTML makes the browser fetch at once: its stylesheets and (preloaded) module scripts.
LINKED = re.compile(r'"(/assets/[^"]+)"')


def test_the_billing_page_is_served_at_its_path_without_a_redirect(app_server: RunningApp):
    response = httpx.get(app_server.url + paths.BILLING, headers=BROWSER_ENCODINGS)
    assert response.status_code == 200 and not response.history
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == REVALIDATE
    assert response.headers["content-encoding"] == "br"


def test_the_pages_assets_are_kept_for_a_year_and_fit_the_budget(app_server: RunningApp):
    with httpx.Client(base_url=app_server.url, headers=BROWSER_ENCODINGS) as client:
        page = client.get(paths.BILLING)
        readable = client.get(paths.BILLING, headers={"Accept-Encoding": "gzip"})
        assets = set(LINKED.findall(readable.text))
        assert any(a.endswith(".css") for a in assets) and len(assets) >= 5
        total = int(page.headers["content-length"])  # compressed, as it crossed the wire
        for asset in sorted(assets):
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert response.headers["cache-control"] == IMMUTABLE, asset
            assert response.headers["content-encoding"] == "br", asset
            total += int(response.headers["content-length"])
    assert total <= BUDGET_BYTES, f"the billing page's files are {total / 1024:.0f} KiB"


def test_a_missing_asset_is_not_kept(app_server: RunningApp):
    response = httpx.get(app_server.url + "/assets/not-in-this-build-0000.js")
    assert response.status_code == 404 and response.headers["cache-control"] == REVALIDATE
