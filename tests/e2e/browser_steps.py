"""Steps the browser tests share."""

from __future__ import annotations

from playwright.sync_api import Page

from devstack import seed as demo


def sign_in_as(page: Page, email: str, password: str = demo.DEMO_PASSWORD,
               start: str = "/login") -> None:
    page.goto(start)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
