"""How the server answers for the built pages when it serves them itself (`reflex run --env
prod`, one port): cache headers, and page paths without their trailing slash served as they are.

- `/assets/...` are named after their content by the build, so a browser keeps them for a year
  without asking again (`immutable`); a new build has new names.
- Pages and everything else: `no-cache`, so the browser asks each time (a 304 when nothing
  changed) and a new build reaches every user at their next visit.
- `/dashboard/settings/billing` (as users type it, and as Stripe's return link and sign-in's
  `next` carry it) is the folder `dashboard/settings/billing/` of the build; Starlette's static
  files would answer 307 to the slash first, a round trip each visit.

Exported frontends are served by the static host, which needs the same two rules (README:
Deploy).
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS_PREFIX = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def served_pages(app: ASGIApp, page_paths: Collection[str]) -> ASGIApp:
    """`app` (Reflex's backend, with the built frontend mounted) with the rules above."""
    folders = {path for path in page_paths if path != "/" and not path.endswith("/")}

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        path = scope["path"]
        if path in folders:
            scope = {**scope, "path": path + "/", "raw_path": (path + "/").encode()}
        hashed = path.startswith(ASSETS_PREFIX)

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    found = message["status"] in (200, 304)
                    headers["Cache-Control"] = IMMUTABLE if hashed and found else REVALIDATE
            await send(message)

        await app(scope, receive, send_with_policy)

    return serve
