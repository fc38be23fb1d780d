"""Addresses: SITE_URL and REFLEX_API_URL are absolute, the pages and the backend are one site
(so browsers send the session cookies), and Secure cookies travel over https. The rules are the
README's (Deploy → Settings, addresses and cookies).

"One site" is what browsers call same-site: the same scheme and the same registrable domain,
which the Public Suffix List decides (`app.example.com` and `api.example.com` are one site;
`example.com` and `example-api.herokuapp.com` are not, as herokuapp.com is a public suffix).
Hand-written rules couldn't know that list, hence the `publicsuffixlist` package.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

import reflex as rx

from billing_app.doctor.checks import Check, Finding, failed, ok, warning
from billing_app.platform.settings import Settings
from billing_app.platform.sites import registrable_domain

SECTION = "Addresses"
REFLEX_DEFAULT_API_URL = "http://localhost:8000"
COOKIE_RULES = "README: Deploy → Settings, addresses and cookies"
def backend_address() -> tuple[str, bool]:
    """Where browsers reach the backend, as Reflex reads it (REFLEX_API_URL from the
    environment, else its default), and whether it was set."""
    return rx.config.get_config().api_url, bool(os.environ.get("REFLEX_API_URL", "").strip())


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").rstrip(".")


def is_local(url: str) -> bool:
    """An address only this machine can open: localhost (and its subdomains) or loopback."""
    host = _host(url)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def site(url: str) -> tuple[str, str]:
    """The site browsers see in `url`: its scheme, and its registrable domain (an IP address,
    or a name that is itself a public suffix such as localhost, stands for itself)."""
    host = _host(url)
    return urlsplit(url).scheme, registrable_domain(host) or host


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def checks(settings: Settings, backend: str, backend_set: bool) -> list[Check]:
    """The checks, in the order they print. `backend` is REFLEX_API_URL as Reflex reads it."""
    site_url = settings.site_url
    named = "REFLEX_API_URL" if backend_set else "REFLEX_API_URL (unset: Reflex's default)"
    set_backend = ("Set REFLEX_API_URL to the backend's public address (with one port, the same "
                   "as SITE_URL), for the backend and for make export.")

    async def absolute() -> Finding:
        if not _absolute(backend):
            return failed(f"REFLEX_API_URL is {backend!r}, not an absolute http(s) address",
                          set_backend)
        if not backend_set and not is_local(site_url):
            return failed(f"REFLEX_API_URL is unset, so sign-in sends browsers to "
                          f"{REFLEX_DEFAULT_API_URL}/api/auth/callback", set_backend)
        return ok(f"SITE_URL {site_url} and {named} {backend} are absolute")

    async def same_site() -> Finding:
        pages, api = site(site_url), site(backend)
        if pages != api:
            return failed(
                f"SITE_URL {site_url} and {named} {backend} are different sites, so browsers "
                "don't send the session cookies with the page's websocket: every visit to the "
                "billing page ends at sign-in",
                "Set SITE_URL to the address the pages are served from, and serve them and the "
                "backend (REFLEX_API_URL) from one site: one domain (one port), or subdomains of "
                f"one domain over https ({COOKIE_RULES}).")
        found = (f"the pages and the backend are one site ({pages[0]}://{pages[1]}), so the "
                 "session cookies reach the backend")
        if pages[0] == "https" and _host(site_url) != _host(backend):
            return warning(
                f"{found}; but on two hosts, so sign-in's nonce cookie is set for all of "
                f"{pages[1]} (__Secure-, not __Host-), where any other subdomain could set it",
                "Serve the pages and the backend from one host (one port, or both behind one "
                "host) to keep the __Host- cookie (README: Deploy → Cookie names).")
        return ok(found)

    async def secure_cookies() -> Finding:
        site_https = urlsplit(site_url).scheme == "https"
        if site_https and urlsplit(backend).scheme != "https":
            return failed(
                f"SITE_URL is https, so the session cookies are Secure, but {named} {backend} "
                "is http: browsers keep no Secure cookie from it",
                f"Serve the backend over https and set REFLEX_API_URL to it ({COOKIE_RULES}).")
        if site_https:
            return ok("SITE_URL is https: the session cookies are Secure")
        if not is_local(site_url):
            return failed(
                f"SITE_URL {site_url} is http: the session cookies would go without Secure, "
                "readable on the way",
                f"Serve the app over https and set SITE_URL to its https address ({COOKIE_RULES}).")
        return ok("SITE_URL is http on this machine: fine while developing, with cookies "
                  "that aren't Secure")

    return [
        Check(SECTION, "SITE_URL and REFLEX_API_URL", absolute, set_backend),
        Check(SECTION, "Same site", same_site, set_backend),
        Check(SECTION, "Secure cookies", secure_cookies, set_backend),
    ]
