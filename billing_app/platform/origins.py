"""Which browser origins may call the backend with the user's cookies: CORS and the websocket.

Reflex allows every origin by default, and Starlette's CORSMiddleware then answers any site's
`Origin` with itself and `Access-Control-Allow-Credentials: true`, so any page on the web could
read a signed-in user's portal URL. rxconfig.py hands Reflex this narrower list, which it applies
to its CORS middleware and to the websocket's Origin check.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEV_FRONTEND_ORIGIN = "http://localhost:3000"


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, lower-cased; None for anything else."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname  # urlsplit lower-cases it
    if ":" in host:  # an IPv6 address goes back in brackets
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}{f':{port}' if port is not None else ''}"


def trusted_origins(site_url: str | None, development: bool) -> list[str]:
    """SITE_URL's origin, and Reflex's dev frontend in development (pages and backend are on
    different ports there). Never empty: an empty list would switch the websocket's Origin
    check off altogether (python-engineio reads [] that way)."""
    origins = [o for o in (origin_of(site_url or ""),) if o]
    if development or not origins:
        origins.append(DEV_FRONTEND_ORIGIN)
    return list(dict.fromkeys(origins))
