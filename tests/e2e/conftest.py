"""Chromium, driven by Playwright, for the browser tests.

Debian's Chromium, launched as `devstack/chromium.py` says. Each test gets a fresh browser
context: no cookies, no storage.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from devstack.chromium import CHROMIUM_ARGS, chromium_path
from tests.helpers import RunningApp, require


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    path = chromium_path()
    require(path is not None, "Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser(app_server: RunningApp) -> Iterator[Browser]:
    """One Chromium per test module. Playwright's sync API keeps an event loop running while it
    is open, so it is opened after the app and stack are up, and closed when the module ends.
    (Modules that host the app differently override this fixture, to open it after theirs.)"""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, app_server: RunningApp) -> Iterator[Page]:
    context = browser.new_context(base_url=app_server.url)
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()
