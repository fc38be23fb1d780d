"""Which origins rxconfig.py gives Reflex for CORS and the websocket (trusted_origins.py).

What a browser actually gets back is tested over HTTP in tests/integration/test_cors.py.
"""

from __future__ import annotations

import os

import pytest

from billing_app import trusted_origins as module
from billing_app.trusted_origins import DEV_FRONTEND_ORIGIN, origin_of, trusted_origins


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setattr(module, "PROJECT_ROOT", tmp_path)  # no .env to fall back on
    monkeypatch.setattr(os, "environ", os.environ.copy())
    for name in ("SITE_URL", "NEXT_PUBLIC_SITE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


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


def test_in_production_only_site_urls_origin(env):
    env.setenv("SITE_URL", "https://app.example.com/")
    assert trusted_origins(development=False) == ["https://app.example.com"]


def test_in_development_the_dev_frontend_too(env):
    env.setenv("SITE_URL", "https://app.example.com")
    assert trusted_origins(development=True) == ["https://app.example.com", DEV_FRONTEND_ORIGIN]


def test_the_alias_is_read_and_duplicates_dropped(env):
    env.setenv("NEXT_PUBLIC_SITE_URL", "http://localhost:3000")
    assert trusted_origins(development=True) == [DEV_FRONTEND_ORIGIN]


def test_never_empty_so_the_websocket_check_stays_on(env):
    assert trusted_origins(development=False) == [DEV_FRONTEND_ORIGIN]


def test_dotenv_is_read(env, tmp_path):
    (tmp_path / ".env").write_text("SITE_URL=https://from-file.example.com\n")
    assert trusted_origins(development=False) == ["https://from-file.example.com"]
