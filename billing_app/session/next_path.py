"""Where a browser may be sent after signing in: `?next=`, only when it is a page on this site."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from billing_app.platform.paths import BILLING

MAX_NEXT_LENGTH = 2048
# Percent-decoding rounds before a path that still changes is refused outright.
MAX_DECODINGS = 5


def _decoded(path: str) -> str | None:
    """`path` percent-decoded until it stops changing (the one-port server decodes `/%61pi/`
    into `/api/`); None when it never settles."""
    for _ in range(MAX_DECODINGS):
        decoded = unquote(path)
        if decoded == path:
            return decoded
        path = decoded
    return None


def local_path_or_default(next_path: str | None, default: str = BILLING) -> str:
    """`next_path` when it is a path on this site, else `default`.

    It must never lead off-site: no scheme, no host, no protocol-relative `//host`, no backslash
    tricks (`/\\host`), no control characters; nor to an `/api/` route, however encoded or
    dotted. Each check runs on the path as given and as the server will route it.
    """
    if not next_path or len(next_path) > MAX_NEXT_LENGTH:
        return default
    path = urlsplit(next_path).path
    decoded = _decoded(path)
    if decoded is None:
        return default
    # Browsers resolve dot segments (`%2e` too) before sending; then the server decodes.
    routed = posixpath.normpath(decoded)
    for candidate in (next_path, path, decoded, routed):
        if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
            return default
        if any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
            return default
    parts = urlsplit(next_path)
    if parts.scheme or parts.netloc:
        return default
    if routed.split("/")[1].lower() == "api":
        return default
    return next_path
