"""Every path the app answers, named once. Pages, states, API routes and tests use these."""

from __future__ import annotations

from urllib.parse import urlsplit

HOME = "/"
LOGIN = "/login"
DASHBOARD = "/dashboard"
BILLING = "/dashboard/settings/billing"

API_CUSTOMER_PORTAL = "/api/customer_portal"
API_CHECKOUT_SESSIONS = "/api/checkout_sessions"
API_AUTH_CALLBACK = "/api/auth/callback"
API_AUTH_REFRESH = "/api/auth/refresh"
API_AUTH_SIGN_OUT = "/api/auth/sign_out"
API_STRIPE_WEBHOOK = "/api/webhooks/stripe"
API_HEALTH = "/api/health"
API_READY = "/api/ready"

MAX_NEXT_LENGTH = 2048


def local_path_or_default(next_path: str | None, default: str = BILLING) -> str:
    """`next_path` when it is a path on this site, else `default`.

    Sign-in sends the browser to `?next=`, so it must never lead off-site: no scheme, no host,
    no protocol-relative `//host`, no backslash tricks (`/\\host`), no control characters.
    """
    if not next_path or len(next_path) > MAX_NEXT_LENGTH:
        return default
    if not next_path.startswith("/") or next_path.startswith(("//", "/\\")):
        return default
    if any(ch in next_path for ch in "\\\r\n\t") or any(ord(ch) < 0x20 for ch in next_path):
        return default
    parts = urlsplit(next_path)
    if parts.scheme or parts.netloc or parts.path.startswith("/api/"):
        return default
    return next_path
