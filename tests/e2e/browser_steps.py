"""What the browser tests share: launching Chromium, fresh pages, signing in."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from playwright.sync_api import Browser, Page, sync_playwright

from devstack import seed as demo
from devstack.chromium import CHROMIUM_ARGS, chromium_path
from tests.helpers import require


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, as devstack/chromium.py says to launch it here."""
    path = chromium_path()
    require(path is not None, "Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextlib.contextmanager
def fresh_page(browser: Browser, base_url: str, **options: object) -> Iterator[Page]:
    """A page in a new browser context: no cookies, no storage."""
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in_as(page: Page, email: str, password: str = demo.DEMO_PASSWORD,
               start: str = "/login") -> None:
    page.goto(start)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
