"""The yardstick: the leanest honest Python implementation of `POST /api/customer_portal`, and
of the billing page the way a server-rendered starter serves it.

Plain Starlette and raw httpx on one shared pool, nothing else: the auth check and the row read
at once, then the Stripe call. It answers like the app (200 {"url"}, 401, 404, 500) so both can
be driven by the same load. The benchmark runs it beside the app to measure how far the app is
from the cheapest code that does the same work. The app never uses it.

`GET /dashboard/settings/billing` is the page's floor: with the session cookie, the same auth
check and row read, then the plan in one small HTML answer (no script), with a Manage
Subscription form that POSTs here and is redirected to the portal, whose return link leads back.

    python -m bench.reference_endpoint --port 8100     (settings from the same env as the app)

As the issue defines it, the pool is httpx's own. With BENCH_REFERENCE_TRANSPORT=aiohttp it runs
on httpx-aiohttp's transport instead, the sockets the app uses: the yardstick for what the app
adds on top of the same connection pool (`make bench ARGS=--reference-transport=aiohttp`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from html import escape

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

SUPABASE_URL = os.environ.get("SUPABASE_URL", "")
ANON_KEY = os.environ.get("SUPABASE_PUBLISHABLE_KEY") or os.environ.get("SUPABASE_ANON_KEY", "")
STRIPE_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_API = os.environ.get("STRIPE_API_BASE") or "https://api.stripe.com"
PAGE = "/dashboard/settings/billing"
RETURN_URL = os.environ.get("SITE_URL", "").rstrip("/") + PAGE
TRANSPORT = os.environ.get("BENCH_REFERENCE_TRANSPORT", "httpx")
LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=60)

pool: httpx.AsyncClient


def failure(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status)


async def account(token: str) -> tuple[int, dict | None]:
    """(200, the row) for a valid token with a row, else (status, None): both calls at once."""
    as_user = {"apikey": ANON_KEY, "Authorization": f"Bearer {token}"}
    user, rows = await asyncio.gather(
        pool.get(f"{SUPABASE_URL}/auth/v1/user", headers=as_user),
        pool.get(f"{SUPABASE_URL}/rest/v1/user_subscriptions",
                 params={"select": "stripe_customer_id,plan_label,status"}, headers=as_user),
    )
    if user.status_code != 200:
        return 401, None
    found = rows.json() if rows.status_code == 200 else None
    if found is None:
        return 500, None
    if not found or not found[0]["stripe_customer_id"]:
        return 404, None
    return 200, found[0]


async def portal_url(customer: str) -> str | None:
    session = await pool.post(
        f"{STRIPE_API}/v1/billing_portal/sessions",
        data={"customer": customer, "return_url": RETURN_URL},
        headers={"Authorization": f"Bearer {STRIPE_KEY}"},
    )
    return session.json()["url"] if session.status_code == 200 else None


async def customer_portal(request: Request) -> JSONResponse:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return failure(401, "Unauthorized")
    try:
        status, row = await account(token)
        if row is None:
            return failure(status, {401: "Unauthorized", 404: "No subscription found"}.get(
                status, "Failed to create portal session"))
        url = await portal_url(row["stripe_customer_id"])
    except httpx.HTTPError:
        return failure(500, "Failed to create portal session")
    if url is None:
        return failure(500, "Failed to create portal session")
    return JSONResponse({"url": url})


async def billing_page(request: Request) -> Response:
    status, row = await account(request.cookies.get("sb-access-token", ""))
    if row is None:
        return HTMLResponse(f"<!doctype html><title>Billing</title><p>{status}</p>", status)
    return HTMLResponse(
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Billing</title><main>'
        f"<h1>Billing</h1><h2>{escape(row['plan_label'] or '')}</h2>"
        f"<p>{escape(row['status'] or '')}</p><form method=post action=/portal>"
        "<button>Manage Subscription</button></form></main></html>")


async def portal_form(request: Request) -> Response:
    _, row = await account(request.cookies.get("sb-access-token", ""))
    url = await portal_url(row["stripe_customer_id"]) if row else None
    return RedirectResponse(url, 303) if url else HTMLResponse("Failed", 500)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    global pool
    transport = None
    if TRANSPORT == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        transport = AiohttpTransport(limits=LIMITS)
    pool = httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0), limits=LIMITS,
                             transport=transport)
    try:
        yield
    finally:
        await pool.aclose()


app = Starlette(routes=[Route("/api/customer_portal", customer_portal, methods=["POST"]),
                        Route(PAGE, billing_page), Route("/portal", portal_form, methods=["POST"])],
                lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_endpoint")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                backlog=1024)


if __name__ == "__main__":
    main()
