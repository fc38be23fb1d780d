"""The client's IP address as the HTTP routes see it, by the rule Reflex applies to the websocket
(which the sign-in page's handlers see as `router.session.client_ip`): the connection's peer,
unless REFLEX_TRUSTED_PROXY_HOPS names how many trusted proxies append to X-Forwarded-For; then
the address that many entries from its right. A client can't choose it: entries it sends
itself sit further left."""

from __future__ import annotations

import reflex as rx
from starlette.requests import Request


def client_ip(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    hops = rx.config.get_config().trusted_proxy_hops
    if not hops:
        return peer
    forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",")
                 if ip.strip()]
    return forwarded[-hops] if len(forwarded) >= hops else peer
