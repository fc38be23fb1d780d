"""The session's HTTP routes: the only places that write the HttpOnly session cookies.

    GET  /api/auth/callback   ?code=&next=  one-time code from sign-in -> cookies, then `next`
    GET  /api/auth/refresh    ?next=        renew the cookies (unless the access token is still
                                            good), then back to `next`; 429 + Retry-After when
                                            Supabase is rate-limiting
    POST /api/auth/sign_out                 end the session at Supabase, clear the cookies
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.client_address import client_ip
from billing_app.api.responses import clear_session, redirect, refused, store_session
from billing_app.platform import paths
from billing_app.platform.outcomes import Outcome, Refusal
from billing_app.platform.settings import get_settings
from billing_app.session import actions, cookies
from billing_app.session.next_path import local_path_or_default
from billing_app.session.supabase_auth import Session

# The sign-in page's `?error=` for each refusal (its messages are in ui/states/login.py).
LOGIN_ERRORS = {Outcome.CODE_EXPIRED: "expired", Outcome.UPSTREAM_FAILED: "unavailable"}


def _to_site(path: str) -> str:
    return f"{get_settings().site_url}{path}"


def _back_to_login(refusal: Refusal, next_path: str | None = None) -> Response:
    query = {"next": next_path, "error": LOGIN_ERRORS.get(refusal.outcome)}
    query = {k: v for k, v in query.items() if v}
    response = redirect(_to_site(paths.LOGIN + (f"?{urlencode(query)}" if query else "")),
                        refusal.outcome)
    if refusal.outcome is Outcome.REFRESH_REFUSED:
        clear_session(response)
    return response


def _signed_in(session: Session, next_path: str, outcome: Outcome) -> Response:
    response = redirect(_to_site(next_path), outcome)
    store_session(response, session)
    return response


async def auth_callback(request: Request) -> Response:
    next_path = local_path_or_default(request.query_params.get("next"))
    session = await actions.finish_sign_in(request.query_params.get("code"))
    if isinstance(session, Refusal):
        return _back_to_login(session, next_path)
    return _signed_in(session, next_path, Outcome.SIGNED_IN)


async def auth_refresh(request: Request) -> Response:
    next_path = local_path_or_default(request.query_params.get("next"))
    access_token, refresh_token = cookies.read(request.cookies)
    if not cookies.needs_refresh(access_token):
        # Another tab renewed the cookies already: a refresh would only spend Supabase's bucket.
        return redirect(_to_site(next_path), Outcome.RENEWED)
    session = await actions.renew(refresh_token, client_ip(request))
    if isinstance(session, Refusal) and session.outcome is Outcome.RATE_LIMITED:
        return refused(session)
    if isinstance(session, Refusal):
        return _back_to_login(session, next_path)
    return _signed_in(session, next_path, Outcome.RENEWED)


async def auth_sign_out(request: Request) -> Response:
    access_token, _ = cookies.read(request.cookies)
    response = redirect(_to_site(paths.LOGIN), await actions.sign_out(access_token))
    clear_session(response)
    return response
