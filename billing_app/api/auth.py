"""The session's HTTP routes: the only places that write the HttpOnly session cookies.

    GET  /api/auth/callback   ?code=&next=  one-time code from sign-in -> cookies, then `next`
    GET  /api/auth/refresh    ?next=        renew the cookies (unless the access token is still
                                            good), then back to `next`; 429 + Retry-After when
                                            Supabase is rate-limiting
    POST /api/auth/sign_out                 end the session at Supabase, clear the cookies

The callback signs a browser in only when that browser signed in: it must hold the code's nonce
cookie, and no other site may have sent it there (login CSRF, see session/codes.py).
"""

from __future__ import annotations

from urllib.parse import urlencode

from reflex_base.config import get_config
from starlette.requests import Request
from starlette.responses import Response

from billing_app.api import csrf
from billing_app.api.client_address import client_ip
from billing_app.api.responses import clear_session, redirect, refused, store_session
from billing_app.platform import paths
from billing_app.platform.outcomes import Outcome, Refusal
from billing_app.platform.settings import get_settings
from billing_app.session import actions, cookies
from billing_app.session.next_path import local_path_or_default
from billing_app.session.supabase_auth import Session

# The sign-in page's `?error=` for each refusal (its messages are in ui/states/login.py).
LOGIN_ERRORS = {
    Outcome.CODE_EXPIRED: "expired",
    Outcome.OTHER_BROWSER: "refused",
    Outcome.CROSS_SITE: "refused",
    Outcome.UPSTREAM_FAILED: "unavailable",
}


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
    if csrf.sent_by_another_site(request):
        return _back_to_login(Refusal(Outcome.CROSS_SITE), next_path)
    nonce_cookie = cookies.nonce_cookie(get_config().api_url)
    session = await actions.finish_sign_in(request.query_params.get("code"),
                                           request.cookies.get(nonce_cookie.name))
    if isinstance(session, Refusal):
        response = _back_to_login(session, next_path)
    else:
        response = _signed_in(session, next_path, Outcome.SIGNED_IN)
    # The nonce has done its work either way (the code it binds is spent).
    response.delete_cookie(nonce_cookie.name, path="/", domain=nonce_cookie.domain,
                           secure=nonce_cookie.secure, samesite="lax")
    return response


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
    # Only a page of this app may sign its user out (a form POST from anywhere else is refused).
    if not csrf.from_a_trusted_page(request):
        return refused(Outcome.CROSS_SITE)
    access_token, refresh_token = cookies.read(request.cookies)
    response = redirect(_to_site(paths.LOGIN),
                        await actions.sign_out(access_token, refresh_token, client_ip(request)))
    clear_session(response)
    return response
