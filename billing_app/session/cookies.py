"""The signed-in session in the browser: the cookies' names, values and attributes.

    sb-access-token    the Supabase access token (a JWT, about an hour)
    sb-refresh-token   the Supabase refresh token (single use; Supabase rotates it)
    sb-sign-in-nonce   for a minute during sign-in: binds the one-time code to this browser

On https each name carries the `__Host-` prefix (`__Host-sb-access-token`, ...): the browser then
takes such a cookie only with Secure, Path=/ and no Domain, so no other host, not even a sibling
subdomain, can set or overwrite it. The session cookies are HttpOnly and SameSite=Lax; only
backend HTTP routes can write them (`api.responses` does); state handlers read them from the
websocket handshake's Cookie header. The nonce is written by the sign-in page's script (see
`nonce_cookie`) and read by the callback.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from billing_app.platform.settings import get_settings
from billing_app.platform.sites import registrable_domain
from billing_app.platform.tokens import unverified_claims
from billing_app.session.supabase_auth import Session

ACCESS = "sb-access-token"
REFRESH = "sb-refresh-token"
NONCE = "sb-sign-in-nonce"
HOST_PREFIX = "__Host-"
SECURE_PREFIX = "__Secure-"
# The cookies outlive the access token on purpose: the refresh token renews the session.
MAX_AGE_S = 30 * 24 * 3600
# Renew a little before expiry, so a token doesn't run out between two calls of one request.
EXPIRY_MARGIN_S = 30


def name(base: str) -> str:
    """A cookie's name as this deployment uses it: `__Host-` on https."""
    return f"{HOST_PREFIX}{base}" if get_settings().secure_cookies else base


def names() -> tuple[str, str]:
    """The session cookies' names: (access, refresh)."""
    return name(ACCESS), name(REFRESH)


def read(cookies: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(access token, refresh token) from the request's cookies; either may be None."""
    access, refresh = names()
    return cookies.get(access) or None, cookies.get(refresh) or None


def has_session(cookies: Mapping[str, str]) -> bool:
    """Whether the request carries either session cookie: it would act as that user."""
    return any(read(cookies))


def values(session: Session) -> dict[str, str]:
    """What each cookie holds for this session."""
    access, refresh = names()
    return {access: session.access_token, refresh: session.refresh_token}


def needs_refresh(access_token: str | None) -> bool:
    """True when the token is missing, unreadable, or (nearly) expired.

    The signature is not checked here; Supabase Auth checks every token anyway. This only saves
    a round trip that would certainly fail.
    """
    exp = unverified_claims(access_token).get("exp") if access_token else None
    return not isinstance(exp, int) or exp - EXPIRY_MARGIN_S <= time.time()


@dataclass(frozen=True)
class NonceCookie:
    """Where the sign-in page's script puts the nonce so that the callback gets it."""

    name: str
    domain: str | None
    secure: bool

    def for_script(self, nonce: str, max_age_s: int) -> str:
        """The `document.cookie = ...` string that sets this cookie to `nonce`."""
        attributes = [f"{self.name}={nonce}", "Path=/", f"Max-Age={max_age_s}", "SameSite=Lax"]
        if self.domain:
            attributes.append(f"Domain={self.domain}")
        if self.secure:
            attributes.append("Secure")
        return "; ".join(attributes)


def _shared_parent(page_host: str, backend_host: str) -> str | None:
    """The longest domain both hosts are in, e.g. example.com for app.example.com and
    api.example.com; None when they share none below a public suffix (a cookie for herokuapp.com
    or co.uk is refused by browsers, and would reach every site under it)."""
    page, backend = page_host.split(".")[::-1], backend_host.split(".")[::-1]
    shared = []
    for ours, theirs in zip(page, backend, strict=False):
        if ours != theirs:
            break
        shared.append(ours)
    domain = ".".join(reversed(shared))
    return domain if domain and registrable_domain(domain) is not None else None


def nonce_cookie(backend_url: str) -> NonceCookie:
    """The nonce cookie for pages at SITE_URL and a callback at `backend_url` (REFLEX_API_URL).

    Script can only set a cookie for the page's own host or a domain above it. With one host for
    both (one port, or dev's two ports) it is host-only, `__Host-` on https. With the pages and
    the backend on sibling hosts (app.example.com + api.example.com) it must name their shared
    domain, so on https it takes the `__Secure-` prefix instead, and a sibling subdomain could
    set it: that layout is weaker here (README: Deploy).
    """
    settings = get_settings()
    page_host = (urlsplit(settings.site_url).hostname or "").lower()
    backend_host = (urlsplit(backend_url).hostname or "").lower()
    secure = settings.secure_cookies
    domain = None if page_host == backend_host else _shared_parent(page_host, backend_host)
    if domain is None:
        return NonceCookie(name(NONCE), None, secure)
    return NonceCookie(f"{SECURE_PREFIX}{NONCE}" if secure else NONCE, domain, secure)
