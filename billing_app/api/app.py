"""The HTTP routes, one module per resource, behind the request log (`create_api`; the user
actions behind the same-origin check for cookie callers, csrf.py; sign-out checks every caller
itself), and how they sit in front of Reflex's backend (`with_reflex`, the app's
`api_transformer`)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from billing_app.api.auth import auth_callback, auth_refresh, auth_sign_out
from billing_app.api.checkout import checkout_sessions
from billing_app.api.csrf import from_this_site
from billing_app.api.health import liveness, readiness
from billing_app.api.invoices import invoices
from billing_app.api.pages import served_pages
from billing_app.api.portal import customer_portal
from billing_app.api.request_ids import RequestLogMiddleware
from billing_app.api.responses import PostOnly
from billing_app.api.subscription import resume
from billing_app.api.webhooks import stripe_webhook
from billing_app.platform import paths


def create_api() -> Starlette:
    return Starlette(
        routes=[
            Route(paths.API_CUSTOMER_PORTAL, PostOnly(from_this_site(customer_portal))),
            Route(paths.API_CHECKOUT_SESSIONS, PostOnly(from_this_site(checkout_sessions))),
            # A read: a cross-origin page can't read its answer (CORS), so no same-origin check.
            Route(paths.API_INVOICES, PostOnly(invoices, method="GET")),
            Route(paths.API_SUBSCRIPTION_RESUME, PostOnly(from_this_site(resume))),
            Route(paths.API_STRIPE_WEBHOOK, PostOnly(stripe_webhook)),
            Route(paths.API_AUTH_CALLBACK, auth_callback, methods=["GET"]),
            Route(paths.API_AUTH_REFRESH, auth_refresh, methods=["GET"]),
            Route(paths.API_AUTH_SIGN_OUT, PostOnly(auth_sign_out)),
            Route(paths.API_HEALTH, liveness, methods=["GET", "HEAD"]),
            Route(paths.API_READY, readiness, methods=["GET", "HEAD"]),
        ],
        middleware=[Middleware(RequestLogMiddleware)],
    )


API_PREFIX = "/api/"


def with_reflex(reflex_backend: ASGIApp) -> ASGIApp:
    """`/api/...` to the routes; everything else (the websocket, and with one port the built
    pages, see pages.py) to Reflex's backend. Reflex wraps the result in its own middleware
    (CORS from rxconfig.py, its contexts), once."""
    api = create_api()
    pages = served_pages(reflex_backend, paths.PAGES)

    async def site(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            await api(scope, receive, send)
        else:
            await pages(scope, receive, send)

    return site
