"""Which origins rxconfig.py gives Reflex for CORS and the websocket (platform/origins.py).

What a browser actually gets back is tested over HTTP in tests/integration/test_cors.py; how
SITE_URL is read (aliases, .env) in test_settings.py.
"""

from __future__ import annotations

import pytest

from billing_app.platform.origins import DEV_FRONTEND_ORIGIN, origin_of, trusted_origins


@pytest.mark.parametrize("url,origin", [
    ("https://app.example.com", "https://app.example.com"),
    ("https://App.Example.com/", "https://app.example.com"),
    ("HTTPS://app.example.com:8443/some/path", "https://app.example.com:8443"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("app.example.com", None),
    ("ftp://app.example.com", None),
    ("https://app.example.com:99999", None),
    ("", None),
])
def test_origin_of(url, origin):
    assert origin_of(url) == origin


def test_in_production_only_site_urls_origin():
    assert trusted_origins("https://app.example.com", development=False) == [
        "https://app.example.com"]


def test_in_development_the_dev_frontend_too():
    assert trusted_origins("https://app.example.com", development=True) == [
        "https://app.example.com", DEV_FRONTEND_ORIGIN]


def test_duplicates_are_dropped():
    assert trusted_origins("http://localhost:3000", development=True) == [DEV_FRONTEND_ORIGIN]


@pytest.mark.parametrize("site_url", [None, "", "not a url"])
def test_never_empty_so_the_websocket_check_stays_on(site_url):
    assert trusted_origins(site_url, development=False) == [DEV_FRONTEND_ORIGIN]
