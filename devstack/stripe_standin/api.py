"""The `/v1` API: the request pipeline every route shares, and the router over the resources'
route tables."""

from __future__ import annotations

import base64
import hmac
import inspect
import json
import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .account import Account
from .errors import (
    FAULT_ERRORS,
    StripeError,
    error_response,
    invalid_api_key,
    missing_api_key,
    unrecognized_url,
)
from .expand import render
from .idempotency import IdempotencyCache, SavedResponse, fingerprint
from .params import check_params, decode_form, expand_paths
from .resources import (
    catalogue,
    checkout,
    collection,
    customers,
    events,
    invoice_preview,
    invoices,
    payment_methods,
    portal,
    subscriptions,
    webhook_endpoints,
)
from .routes import API_VERSION, Call, Origin, Route

log = logging.getLogger("devstack.stripe.api")

# Every resource module's ROUTES; a new resource is one more module here.
RESOURCES = (
    customers,
    payment_methods,
    catalogue,
    subscriptions,
    invoices,
    invoice_preview,
    collection,
    checkout,
    portal,
    events,
    webhook_endpoints,
)


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self._table = [
            (route, re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "$"))
            for route in routes
        ]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route, pattern in self._table:
            found = pattern.match(path) if route.method == method else None
            if found:
                return route, found.groupdict()
        return None


def _given_key(request: Request) -> str | None:
    """The API key: `Authorization: Bearer <key>`, or HTTP Basic with the key as user name."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value).decode()
        except ValueError:
            return value
        return decoded.partition(":")[0]
    return header.strip()


class StripeApi:
    """The endpoint for `/v1/...`: `handle` answers one request as Stripe does.

    1. The secret key must be given (a 401 in Stripe's words otherwise).
    2. The form body (POST) or query string (GET, DELETE) is decoded from bracket notation, and
       checked against what the endpoint documents and what the stand-in supports.
    3. A POST with an `Idempotency-Key` goes through the idempotency cache.
    4. The route's handler runs (an injected "error" fault fails it here); a `StripeError`
       becomes Stripe's error body, anything else a 500. What ran is saved for the key, unless
       the handler refused the parameters.
    5. The result is shown with `expand[]` applied, pretty-printed as Stripe prints it.

    A 500 to a request with an `Idempotency-Key` says `Stripe-Should-Retry: false`: a retry with
    the key would only replay it (stripe-python's `_should_retry` expects that header then).

    Unknown paths and methods answer Stripe's 404 "Unrecognized request URL".
    """

    def __init__(self, account: Account, secret_key: str, idempotency: IdempotencyCache) -> None:
        self.account = account
        self.secret_key = secret_key
        self.idempotency = idempotency
        self.router = Router(route for module in RESOURCES for route in module.ROUTES)

    async def handle(self, request: Request) -> Response:
        request_id = request.scope.get("state", {}).get("request_id", "")
        headers = {"Stripe-Version": request.headers.get("stripe-version") or API_VERSION}
        try:
            key = _given_key(request)
            if not key:
                raise missing_api_key()
            if not hmac.compare_digest(key.encode(), self.secret_key.encode()):
                raise invalid_api_key(key)
            response = await self._handle(request, request_id, headers)
        except StripeError as err:
            response = error_response(err, request_id)
        response.headers.update(headers)
        return response

    async def _handle(self, request: Request, request_id: str, headers: dict[str, str]) -> Response:
        method, path = request.method, request.url.path
        raw = (await request.body()).decode() if method == "POST" else request.url.query
        if method == "DELETE" and not raw:
            raw = (await request.body()).decode()
        found = self.router.match(method, path)
        if found is None:
            raise unrecognized_url(method, path)
        route, path_params = found
        params = decode_form(raw)
        check_params(params, route.params_type, (*route.supports, "expand"))
        expand = expand_paths(params)
        key = request.headers.get("idempotency-key") if method == "POST" else None
        call = Call(self.account, params, path_params, Origin(request_id, key), path)
        fault = request.scope.get("state", {}).get("devstack_fault")
        if key is None:
            return await self._run(route, call, expand, fault)
        headers["Idempotency-Key"] = key
        endpoint = f"{method} {path}"
        print_ = fingerprint(raw)
        saved = self.idempotency.check(key, endpoint, print_)
        if saved is not None:
            headers.update(saved.headers)
            headers["Idempotent-Replayed"] = "true"
            headers["Original-Request"] = saved.request_id
            return Response(saved.body, status_code=saved.status, media_type="application/json")
        keep = None
        try:
            response = await self._run(route, call, expand, fault)
            keep = SavedResponse(endpoint, print_, 200, bytes(response.body), request_id,
                                 time.time())
            return response
        except StripeError as err:
            if err.status >= 500:
                err.headers["Stripe-Should-Retry"] = "false"
            if not err.validation:
                answer = error_response(err, request_id)
                keep = SavedResponse(endpoint, print_, err.status, bytes(answer.body),
                                     request_id, time.time(), tuple(err.headers.items()))
            raise
        finally:
            self.idempotency.finish(key, keep)

    async def _run(self, route: Route, call: Call, expand: list[str],
                   fault: str | None = None) -> Response:
        if fault is not None:
            raise FAULT_ERRORS[fault]()
        try:
            answer: Any = route.handler(call)
            if inspect.isawaitable(answer):
                answer = await answer
            body = render(answer, expand, self.account.state)
        except StripeError:
            raise
        except Exception:
            log.exception("the Stripe stand-in failed on %s %s", route.method, route.path)
            raise StripeError(
                "An unknown error occurred in the devstack Stripe stand-in (see its log).",
                status=500,
                type="api_error",
            ) from None
        return Response(json.dumps(body, indent=2).encode(), media_type="application/json")
