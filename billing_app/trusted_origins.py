"""Which browser origins may call the backend with the user's cookies: CORS and the websocket.

Reflex allows every origin by default, and Starlette's CORSMiddleware then answers any site's
`Origin` with itself and `Access-Control-Allow-Credentials: true`, so any page on the web could
read a signed-in user's portal URL. `trusted_origins()` narrows that to SITE_URL's origin, plus
Reflex's dev frontend (http://localhost:3000) when the app runs in development, where the pages
and the backend are on different ports. rxconfig.py hands the list to Reflex, which applies it
to its CORS middleware and to the websocket's Origin check.

This reads SITE_URL (or NEXT_PUBLIC_SITE_URL) itself, from the environment or `.env` as
settings.py does, because Reflex loads rxconfig.py for commands that need no other setting
(`reflex export`, `reflex init`); the app's own start still validates every setting.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from dotenv import load_dotenv

from billing_app.settings import PROJECT_ROOT

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


def trusted_origins(development: bool) -> list[str]:
    """SITE_URL's origin, and the dev frontend in development. Never empty: an empty list would
    switch the websocket's Origin check off altogether (python-engineio reads [] that way)."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    site_url = os.environ.get("SITE_URL", "").strip() or os.environ.get(
        "NEXT_PUBLIC_SITE_URL", "").strip()
    origins = [o for o in (origin_of(site_url),) if o]
    if development or not origins:
        origins.append(DEV_FRONTEND_ORIGIN)
    return list(dict.fromkeys(origins))
