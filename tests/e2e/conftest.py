"""Chromium, driven by Playwright, for the browser tests: one browser per module, and a fresh
page (no cookies, no storage) per test, on `app`: the shared instance unless a module overrides
`app` with an instance of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browser_steps import chromium, fresh_page
from tests.helpers import RunningApp


@pytest.fixture(scope="module")
def app(app_server: RunningApp) -> RunningApp:
    return app_server


@pytest.fixture(scope="module")
def browser(app: RunningApp) -> Iterator[Browser]:
    """One Chromium per test module. Playwright's sync API keeps an event loop running while it
    is open, so it is opened after the app and stack are up, and closed when the module ends.
    (Modules that host the app differently override this fixture, to open it after theirs.)"""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, app: RunningApp) -> Iterator[Page]:
    with fresh_page(browser, app.url) as fresh:
        yield fresh
