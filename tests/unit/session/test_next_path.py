"""`?next=` after sign-in only ever leads to a path on this site."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_app.platform.paths import BILLING
from billing_app.session.next_path import local_path_or_default


@pytest.mark.parametrize("given_next", ["/dashboard/settings/billing", "/dashboard?tab=1", "/"])
def test_local_paths_are_kept(given_next):
    assert local_path_or_default(given_next) == given_next


@pytest.mark.parametrize("given_next", [
    None, "", "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "evil.example/path", "/ok\r\nSet-Cookie: x=1", "http:/evil.example",
    "/api/auth/sign_out", "/" + "a" * 5000,
])
def test_anything_else_falls_back_to_billing(given_next):
    assert local_path_or_default(given_next) == BILLING


@given(st.text(max_size=200))
def test_no_next_ever_leaves_the_site(raw):
    site = "https://app.example.com"
    target = urljoin(site + "/login", local_path_or_default(raw))
    assert target.startswith(site + "/")
