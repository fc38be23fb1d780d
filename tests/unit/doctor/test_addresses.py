"""The README's address rules: absolute addresses, one site for pages and backend (as browsers
decide same-site, with the Public Suffix List), Secure cookies only over https."""

from __future__ import annotations

import asyncio

import pytest

from billing_app.doctor import addresses
from billing_app.doctor.checks import Status
from tests.helpers import app_settings


@pytest.mark.parametrize(("pages", "backend", "same"), [
    ("https://app.example.com", "https://api.example.com", True),
    ("https://example.com", "https://example.com:8443", True),  # ports don't matter
    ("http://localhost:3000", "http://localhost:8000", True),
    ("https://shop.example.co.uk", "https://api.example.co.uk", True),
    ("https://example.com", "https://example-api.herokuapp.com", False),  # a public suffix
    ("https://a.herokuapp.com", "https://b.herokuapp.com", False),
    ("http://127.0.0.1:3000", "http://localhost:8000", False),
    ("http://app.example.com", "https://api.example.com", False),  # schemeful same-site
    ("http://[::1]:3000", "http://[::1]:8000", True),
])
def test_one_site_is_what_browsers_call_same_site(pages, backend, same):
    assert (addresses.site(pages) == addresses.site(backend)) is same


@pytest.mark.parametrize(("url", "local"), [
    ("http://localhost:3000", True), ("http://app.localhost", True), ("http://127.0.0.2", True),
    ("http://[::1]:8000", True), ("https://example.com", False), ("http://10.0.0.5", False),
])
def test_local_addresses(url, local):
    assert addresses.is_local(url) is local


def findings(site_url, backend, backend_set=True):
    settings = app_settings(SITE_URL=site_url)
    return {check.name: asyncio.run(check.run())
            for check in addresses.checks(settings, backend, backend_set)}


def statuses(found):
    return {name: finding.status for name, finding in found.items()}


def test_one_https_host_holds():
    found = findings("https://example.com", "https://example.com")
    assert set(statuses(found).values()) == {Status.OK}


def test_sibling_https_hosts_hold_with_a_warning_about_the_sign_in_nonce():
    found = findings("https://app.example.com", "https://api.example.com")
    assert statuses(found)["Same site"] == Status.WARNING and found["Same site"].holds
    assert "nonce cookie is set for all of example.com" in found["Same site"].summary
    assert "Cookie names" in found["Same site"].fix
    assert statuses(findings("http://localhost:3000", "http://localhost:8000"))[
        "Same site"] == Status.OK  # one host, two ports


def test_an_https_site_with_an_http_backend_loses_its_secure_cookies():
    found = findings("https://example.com", "http://example.com:8000")
    assert statuses(found)["Secure cookies"] == Status.FAILED
    assert "set REFLEX_API_URL" in found["Secure cookies"].fix
    assert statuses(found)["Same site"] == Status.FAILED  # http and https are two sites


def test_a_public_http_site_needs_https():
    found = findings("http://example.com", "http://example.com")
    assert statuses(found) == {"SITE_URL and REFLEX_API_URL": Status.OK,
                               "Same site": Status.OK, "Secure cookies": Status.FAILED}
    assert "set SITE_URL to its https address" in found["Secure cookies"].fix


def test_reflex_api_url_must_be_absolute_and_set_for_a_public_site():
    assert statuses(findings("https://a.example.com", "api.example.com"))[
        "SITE_URL and REFLEX_API_URL"] == Status.FAILED
    unset = findings("https://a.example.com", addresses.REFLEX_DEFAULT_API_URL, backend_set=False)
    assert unset["SITE_URL and REFLEX_API_URL"].summary == (
        "REFLEX_API_URL is unset, so sign-in sends browsers to "
        "http://localhost:8000/api/auth/callback")
    assert "Set REFLEX_API_URL" in unset["SITE_URL and REFLEX_API_URL"].fix
    # make run's shape: unset is fine while the pages are on this machine too.
    assert set(statuses(findings("http://localhost:3000", addresses.REFLEX_DEFAULT_API_URL,
                                 backend_set=False)).values()) == {Status.OK}
