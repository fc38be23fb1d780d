"""How the routes answer: the outcome table, the session cookies' attributes, Retry-After."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.responses import Response

from billing_app.api import responses
from billing_app.platform.outcomes import Outcome, Refusal, rate_limited
from billing_app.session import cookies
from billing_app.session.supabase_auth import Session, User
from tests.helpers import app_settings

SESSION = Session("acc", "ref", 0, User("u", "e@example.com"))


@pytest.fixture
def site(monkeypatch):
    def on(site_url: str) -> None:
        settings = app_settings(SITE_URL=site_url)
        monkeypatch.setattr(responses, "get_settings", lambda: settings)
        monkeypatch.setattr(cookies, "get_settings", lambda: settings)
    return on


@pytest.mark.parametrize("outcome,status,body", [
    (Outcome.NOT_AUTHENTICATED, 401, {"error": "Unauthorized"}),
    (Outcome.REFRESH_REFUSED, 401, {"error": "Unauthorized"}),
    (Outcome.NO_SUBSCRIPTION, 404, {"error": "No subscription found"}),
    (Outcome.ALREADY_SUBSCRIBED, 409, {"error": "Already subscribed"}),
    (Outcome.CANCELLATION_SCHEDULED, 409, {"error": "Cancellation already scheduled"}),
    (Outcome.UNKNOWN_FLOW, 400, {"error": "Unknown flow"}),
    (Outcome.CROSS_SITE, 403, {"error": "Forbidden"}),
    (Outcome.UPSTREAM_FAILED, 500, {"error": "Failed to create portal session"}),
    (Outcome.INVALID_SIGNATURE, 400, {"error": "Invalid signature"}),
])
def test_each_refusal_has_its_documented_answer(outcome, status, body):
    answer = responses.refused(Refusal(outcome), "Failed to create portal session")
    assert (answer.status_code, json.loads(answer.body)) == (status, body)
    assert answer.headers["cache-control"] == "no-store"


def test_rate_limited_carries_retry_after():
    answer = responses.refused(rate_limited(42))
    assert (answer.status_code, answer.headers["retry-after"]) == (429, "42")
    assert json.loads(answer.body) == {"error": "Too many requests"}


def test_method_not_allowed_names_post():
    answer = responses.refused(Outcome.METHOD_NOT_ALLOWED)
    assert (answer.status_code, answer.headers["allow"]) == (405, "POST")


def test_session_cookies_are_httponly_lax_and_secure_on_https(site):
    for site_url, prefix in (("http://localhost:3000", ""), ("https://app.example.com", "__Host-")):
        site(site_url)
        response = Response()
        responses.store_session(response, SESSION)
        set_cookies = response.headers.getlist("set-cookie")
        assert [c.split("=")[0] for c in set_cookies] == [f"{prefix}sb-access-token",
                                                          f"{prefix}sb-refresh-token"]
        for cookie in set_cookies:
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
            assert ("Secure" in cookie) == (prefix == "__Host-")
            assert "Domain" not in cookie  # the browser refuses a __Host- cookie with one


def test_clearing_expires_both_cookies(site):
    site("http://localhost:3000")
    response = Response()
    responses.clear_session(response)
    set_cookies = response.headers.getlist("set-cookie")
    assert {c.split("=")[0] for c in set_cookies} == {"sb-access-token", "sb-refresh-token"}
    assert all("Max-Age=0" in c for c in set_cookies)
    site("https://app.example.com")
    response = Response()
    responses.clear_session(response)
    assert {c.split("=")[0] for c in response.headers.getlist("set-cookie")} == {
        "__Host-sb-access-token", "__Host-sb-refresh-token"}



def post_only_reads(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> int:
    """How many times PostOnly asked for the body, for a POST whose handler never reads it."""
    asked = []

    async def receive():
        asked.append(1)
        body = chunks[len(asked) - 1] if len(asked) <= len(chunks) else b""
        return {"type": "http.request", "body": body, "more_body": len(asked) < len(chunks)}

    async def send(_message):
        pass

    async def handler(_request):
        return Response(status_code=204)

    scope = {"type": "http", "method": "POST", "http_version": "1.1", "path": "/api/x",
             "headers": headers, "query_string": b""}
    asyncio.run(responses.PostOnly(handler)(scope, receive, send))
    return len(asked)


def test_post_only_drains_an_unread_body_and_skips_an_empty_one():
    assert post_only_reads([(b"content-length", b"10")], [b"01234", b"56789"]) == 2
    assert post_only_reads([(b"transfer-encoding", b"chunked")], [b"x"]) == 1
    assert post_only_reads([(b"content-length", b"0")], []) == 0
    assert post_only_reads([], []) == 0
