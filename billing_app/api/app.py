"""The Starlette app Reflex mounts its own backend into (`api_transformer`, see billing_app.py):
every route, one module per resource, behind the request log; the user actions behind the
same-origin check for cookie callers (csrf.py; sign-out checks every caller itself)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from billing_app.api.auth import auth_callback, auth_refresh, auth_sign_out
from billing_app.api.checkout import checkout_sessions
from billing_app.api.csrf import from_this_site
from billing_app.api.health import liveness, readiness
from billing_app.api.portal import customer_portal
from billing_app.api.request_ids import RequestLogMiddleware
from billing_app.api.responses import PostOnly
from billing_app.api.webhooks import stripe_webhook
from billing_app.platform import paths


def create_api() -> Starlette:
    return Starlette(
        routes=[
            Route(paths.API_CUSTOMER_PORTAL, PostOnly(from_this_site(customer_portal))),
            Route(paths.API_CHECKOUT_SESSIONS, PostOnly(from_this_site(checkout_sessions))),
            Route(paths.API_STRIPE_WEBHOOK, PostOnly(stripe_webhook)),
            Route(paths.API_AUTH_CALLBACK, auth_callback, methods=["GET"]),
            Route(paths.API_AUTH_REFRESH, auth_refresh, methods=["GET"]),
            Route(paths.API_AUTH_SIGN_OUT, PostOnly(auth_sign_out)),
            Route(paths.API_HEALTH, liveness, methods=["GET", "HEAD"]),
            Route(paths.API_READY, readiness, methods=["GET", "HEAD"]),
        ],
        middleware=[Middleware(RequestLogMiddleware)],
    )
