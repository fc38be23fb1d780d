"""The browser's languages for the backend: a script in every page's <head> copies
`navigator.languages` into a cookie before the page connects its websocket, and state handlers
read it from the handshake (ui/states/session.py), with the handshake's Accept-Language as the
fallback. Both usually say the same; but a language chosen for one page (Chrome's DevTools
sensors, Playwright's `locale`) reaches only `navigator.languages` and HTTP requests, never the
websocket's handshake, so the cookie is what the page itself sees."""

from __future__ import annotations

import reflex as rx

from billing_app.billing.locales import LANGUAGES_COOKIE

# Prerendered into each page's HTML, where its text is escaped like any other: so no quotes,
# no & and no angle brackets (template literals instead).
SCRIPT = (
    "try{const l=(navigator.languages?.length ? navigator.languages : [navigator.language])"
    ".slice(0,10).join(`,`);"
    f"document.cookie=`{LANGUAGES_COOKIE}=${{encodeURIComponent(l)}}; path=/; "
    "max-age=31536000; SameSite=Lax${location.protocol===`https:` ? `; Secure` : ``}`}"
    "catch(e){}"
)


def languages_script() -> rx.Component:
    """For `rx.App(head_components=...)`: it runs as the page's HTML is read."""
    return rx.el.script(SCRIPT)
