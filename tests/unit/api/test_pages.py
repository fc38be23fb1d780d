"""The one-port server around Reflex's backend (api/app.py `with_reflex`, api/pages.py): the API
routes first, cache headers on the built pages, and page paths served without a redirect."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.responses import PlainTextResponse, Response

from billing_app.api import app as api_app
from billing_app.api.pages import IMMUTABLE, REVALIDATE, served_pages
from billing_app.platform import paths


class FakeReflex:
    """Stands for Reflex's backend: answers `answer` and notes the paths it was asked for."""

    def __init__(self, answer: Response | None = None) -> None:
        self.answer = answer
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send) -> None:
        self.paths.append(scope["path"])
        await (self.answer or PlainTextResponse("<html>", media_type="text/html"))(
            scope, receive, send)


def get(app, path: str, method: str = "GET") -> httpx.Response:
    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://app.test") as client:
            return await client.request(method, path)
    return asyncio.run(run())


def test_hashed_assets_are_kept_a_year_and_pages_are_revalidated():
    app = served_pages(FakeReflex(), paths.PAGES)
    assert get(app, "/assets/entry.client-Cuv6UKoY.js").headers["cache-control"] == IMMUTABLE
    assert get(app, "/login").headers["cache-control"] == REVALIDATE
    assert get(app, "/favicon.ico").headers["cache-control"] == REVALIDATE


def test_a_missing_asset_is_not_kept():
    app = served_pages(FakeReflex(PlainTextResponse("gone", 404)), paths.PAGES)
    assert get(app, "/assets/old-build-1234.js").headers["cache-control"] == REVALIDATE


def test_a_cache_policy_set_by_the_backend_stays():
    answer = PlainTextResponse("pong", headers={"Cache-Control": "no-store"})
    assert get(served_pages(FakeReflex(answer), paths.PAGES), "/ping").headers[
        "cache-control"] == "no-store"


@pytest.mark.parametrize("path", [paths.BILLING, paths.LOGIN, paths.DASHBOARD])
def test_a_page_path_without_its_slash_is_served_as_the_pages_folder(path):
    reflex = FakeReflex()
    assert get(served_pages(reflex, paths.PAGES), path).status_code == 200
    assert reflex.paths == [path + "/"]


def test_other_paths_and_methods_pass_unchanged():
    reflex = FakeReflex()
    app = served_pages(reflex, paths.PAGES)
    get(app, "/dashboard/settings/billing/")
    get(app, "/dashboard/settings/billing", method="POST")
    get(app, "/dashboard/settings/billingx")
    assert reflex.paths == ["/dashboard/settings/billing/", "/dashboard/settings/billing",
                            "/dashboard/settings/billingx"]


def test_api_paths_go_to_the_routes_and_everything_else_to_reflex():
    reflex = FakeReflex()
    app = api_app.with_reflex(reflex)
    health = get(app, paths.API_HEALTH)
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert "x-request-id" in health.headers
    assert get(app, "/api/unknown").status_code == 404
    get(app, "/ping")
    assert reflex.paths == ["/ping"]
