"""Where a browser may be sent after signing in: `?next=`, only when it is a page on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from billing_app.platform.paths import BILLING

MAX_NEXT_LENGTH = 2048


def local_path_or_default(next_path: str | None, default: str = BILLING) -> str:
    """`next_path` when it is a path on this site, else `default`.

    It must never lead off-site: no scheme, no host, no protocol-relative `//host`, no backslash
    tricks (`/\\host`), no control characters; nor to an `/api/` route.
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
