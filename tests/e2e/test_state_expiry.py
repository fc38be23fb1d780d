"""Reflex forgets a tab's state once it has been idle for the state expiry (rxconfig.py:
STATE_EXPIRY_S, 15 minutes). Here an instance of its own runs with the expiry at a few seconds
(REFLEX_REDIS_TOKEN_EXPIRATION), so that both sides show within a test: abandoned anonymous tabs
are dropped, and a signed-in tab left idle past the expiry still works.

The memory this saves is measured by `python -m bench.state_memory` (figures in SECURITY.md).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.state_memory import anonymous_visits
from devstack import seed as demo
from devstack.config import StackConfig
from tests.e2e.browser_steps import sign_in_as
from tests.helpers import RunningApp, app_of_its_own

pytestmark = pytest.mark.e2e

EXPIRY_S = 4
# Reflex looks for expired states every couple of seconds (its disk manager's write loop).
FORGOTTEN_WITHIN_S = EXPIRY_S + 20


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state-expiry")


@pytest.fixture(scope="module")
def project(root: Path, app: RunningApp) -> Path:
    return root / "project"


@pytest.fixture(scope="module")
def app(stack: StackConfig, demo_users, root: Path) -> Iterator[RunningApp]:
    with app_of_its_own(stack, root, {"REFLEX_REDIS_TOKEN_EXPIRATION": str(EXPIRY_S)}) as running:
        yield running



def saved_states(project: Path) -> int:
    return len(list((project / ".states").glob("*.pkl")))


def all_forgotten(project: Path) -> None:
    """Wait for some state to be saved (a moment after each event), then for none to be left."""
    deadline = time.monotonic() + 10
    while saved_states(project) == 0:
        assert time.monotonic() < deadline, "no tab's state was ever saved"
        time.sleep(0.2)
    deadline = time.monotonic() + FORGOTTEN_WITHIN_S
    while saved_states(project) > 0:
        assert time.monotonic() < deadline, f"{saved_states(project)} states outlived the expiry"
        time.sleep(0.5)


def test_abandoned_tabs_are_forgotten_after_the_expiry(app: RunningApp, project: Path):
    assert asyncio.run(anonymous_visits(app.url, 60)) == 60
    all_forgotten(project)


def test_a_tab_idle_past_the_expiry_still_works(page: Page, stack: StackConfig, project: Path):
    sign_in_as(page, demo.DEMO_EMAIL)
    button = page.get_by_role("button", name="Manage Subscription")
    expect(button).to_be_enabled()
    all_forgotten(project)  # this tab's state too
    button.click()
    expect(page).to_have_url(re.compile(re.escape(stack.stripe_api_base) + r"/p/session/"))
