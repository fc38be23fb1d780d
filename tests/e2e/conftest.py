"""Chromium, driven by Playwright, for the browser tests.

Playwright can't download its browser on these machines, so the tests launch Debian's Chromium
(`apt-get install chromium`, or CHROMIUM_PATH) with the flags a closed network needs. Each test
gets a fresh browser context: no cookies, no storage.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.helpers import RunningApp, require

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


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
