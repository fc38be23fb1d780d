"""`?next=` after sign-in only ever leads to a page on this site, never to an `/api/` route."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_app.platform.paths import BILLING
from billing_app.session.next_path import local_path_or_default


@pytest.mark.parametrize("given_next", ["/dashboard/settings/billing", "/dashboard?tab=1", "/",
                                        "/dashboard/settings/billing?checkout=success"])
def test_local_paths_are_kept(given_next):
    assert local_path_or_default(given_next) == given_next


@pytest.mark.parametrize("given_next", [
    None, "", "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "evil.example/path", "/ok\r\nSet-Cookie: x=1", "http:/evil.example",
    "/api/auth/sign_out", "/" + "a" * 5000,
])
def test_anything_else_falls_back_to_billing(given_next):
    assert local_path_or_default(given_next) == BILLING


@pytest.mark.parametrize("given_next", [
    # The one-port server decodes the path before routing: /%61pi/... is /api/...
    "/%61pi/auth/callback?code=attackers-code",
    "/%2561pi/auth/callback?code=attackers-code",
    "/%252561pi/auth/callback",
    "/%2Fapi/auth/callback",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    # Browsers resolve dot segments (also encoded ones) before they send the request.
    "/dashboard/../api/auth/callback?code=x",
    "/dashboard/%2e%2e/api/auth/callback",
    "/./api/auth/sign_out",
    "/API/auth/callback",
    "/%" + "25" * 40 + "61pi/auth/callback",
])
def test_encoded_or_dotted_ways_to_an_api_route_fall_back_to_billing(given_next):
    assert local_path_or_default(given_next) == BILLING


@given(st.text(max_size=200))
def test_no_next_ever_leaves_the_site(raw):
    site = "https://app.example.com"
    target = urljoin(site + "/login", local_path_or_default(raw))
    assert target.startswith(site + "/")


PIECES = ["/", "api", "API", "auth", ".", "..", "%", "2e", "2E", "2f", "2F", "25", "61", "41",
          "5c", "dashboard", "?", "#", "\\"]


def as_the_server_routes_it(path: str) -> str:
    """What a browser then the server make of a path: dot segments resolved, decoded (and, to
    be safe, decoded again until it stops changing)."""
    path = urlsplit(path).path
    for _ in range(10):
        path = unquote(path)
    return posixpath.normpath(path.replace("\\", "/")).lower()


@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_no_next_ever_leads_to_an_api_route(pieces):
    routed = as_the_server_routes_it(local_path_or_default("/" + pieces))
    assert routed.split("/")[1] != "api" and not routed.startswith("//")
