"""The `/v1` API: authentication, parameter checks, idempotency, routing, lists and `expand[]`.

One ASGI endpoint takes every `/v1/...` request and answers as Stripe does:

1. `Authorization: Bearer <secret key>` (or HTTP Basic with the key as user name); anything
   else is a 401 in Stripe's words.
2. The form body (POST) or query string (GET, DELETE) is decoded from bracket notation, and
   parameters the endpoint doesn't document are refused (`parameter_unknown`).
3. POSTs with an `Idempotency-Key` go through the idempotency cache (`idempotency.py`).
4. The handler runs (`Billing`, `Checkout`, `Portal` for changes); a `StripeError` becomes Stripe's error body.
5. The result is shown with `expand[]` applied, pretty-printed as Stripe prints it.

Unknown paths and methods answer Stripe's 404 "Unrecognized request URL".
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .billing import SUBSCRIPTION_STATUSES, Billing
from .checkout import Checkout
from .errors import (
    StripeError,
    error_response,
    invalid_api_key,
    invalid_request,
    missing_api_key,
    resource_missing,
    unrecognized_url,
)
from .expand import render
from .idempotency import IdempotencyCache, SavedResponse, fingerprint
from .objects import API_VERSION, list_object
from .params import (
    as_bool,
    as_dict,
    as_enum,
    as_int,
    as_str,
    as_str_list,
    check_known,
    decode_form,
    expand_paths,
)
from .portal import Portal
from .store import StripeState
from .webhooks import Origin

log = logging.getLogger("devstack.stripe.api")


@dataclass
class Call:
    """One API request as a handler sees it."""

    params: dict[str, Any]
    path: dict[str, str]
    origin: Origin


@dataclass
class Answer:
    obj: dict[str, Any]
    is_list: bool = False


Handler = Callable[[Call], Awaitable[Answer]]


@dataclass
class Endpoint:
    method: str
    pattern: re.Pattern[str]
    params_type: str  # stripe-python request type naming the documented parameters
    handler: Handler


@dataclass
class Router:
    endpoints: list[Endpoint] = field(default_factory=list)

    def add(self, method: str, path: str, params_type: str, handler: Handler) -> None:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"
        self.endpoints.append(Endpoint(method, re.compile(regex), params_type, handler))

    def match(self, method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
        for endpoint in self.endpoints:
            if endpoint.method != method:
                continue
            found = endpoint.pattern.match(path)
            if found:
                return endpoint, found.groupdict()
        return None


# --- lists ------------------------------------------------------------------------------------


def created_filter(params: Mapping[str, Any], key: str = "created") -> Callable[[dict], bool]:
    """Stripe's range filter: `created=<ts>` or `created[gt|gte|lt|lte]=<ts>`."""
    if key not in params:
        return lambda obj: True
    value = params[key]
    if not isinstance(value, dict):
        exact = as_int(value, key)
        return lambda obj: obj[key] == exact
    bounds = {op: as_int(v, f"{key}[{op}]") for op, v in value.items()}
    for op in bounds:
        if op not in ("gt", "gte", "lt", "lte"):
            raise invalid_request(
                f"Received unknown parameter: {key}[{op}]",
                param=f"{key}[{op}]",
                code="parameter_unknown",
            )

    def ok(obj: dict) -> bool:
        ts = obj[key]
        return (
            ("gt" not in bounds or ts > bounds["gt"])
            and ("gte" not in bounds or ts >= bounds["gte"])
            and ("lt" not in bounds or ts < bounds["lt"])
            and ("lte" not in bounds or ts <= bounds["lte"])
        )

    return ok


def paginate(
    newest_first: list[dict[str, Any]], params: Mapping[str, Any], url: str, kind: str
) -> dict[str, Any]:
    """A page of a list, newest first, with `limit`, `starting_after` and `ending_before`."""
    limit = as_int(params.get("limit", "10"), "limit", minimum=1, maximum=100)
    items = newest_first
    if params.get("starting_after"):
        cursor = as_str(params["starting_after"], "starting_after")
        index = next((i for i, obj in enumerate(items) if obj["id"] == cursor), None)
        if index is None:
            raise resource_missing(kind, cursor, param="starting_after", status=400)
        items = items[index + 1 :]
        return list_object(items[:limit], url, has_more=len(items) > limit)
    if params.get("ending_before"):
        cursor = as_str(params["ending_before"], "ending_before")
        index = next((i for i, obj in enumerate(items) if obj["id"] == cursor), None)
        if index is None:
            raise resource_missing(kind, cursor, param="ending_before", status=400)
        before = items[:index]
        return list_object(before[-limit:], url, has_more=len(before) > limit)
    return list_object(items[:limit], url, has_more=len(items) > limit)


def newest_first(
    objects: Iterable[dict[str, Any]], *filters: Callable[[dict], bool]
) -> list[dict[str, Any]]:
    return [obj for obj in reversed(list(objects)) if all(f(obj) for f in filters)]


def _type_matches(pattern: str) -> Callable[[str], bool]:
    """Event type filters allow a `*` wildcard, e.g. `customer.subscription.*`."""
    if "*" not in pattern:
        return lambda value: value == pattern
    regex = re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")
    return lambda value: bool(regex.match(value))


# --- the endpoints ----------------------------------------------------------------------------


def build_router(billing: Billing, checkout: Checkout, portal: Portal) -> Router:
    router = Router()

    def state() -> StripeState:  # re-read each time: a reset replaces the state
        return billing.state

    # customers
    async def create_customer(call: Call) -> Answer:
        return Answer(await billing.create_customer(call.params, call.origin))

    async def list_customers(call: Call) -> Answer:
        filters = [created_filter(call.params)]
        if "email" in call.params:
            email = as_str(call.params["email"], "email")
            filters.append(lambda c: c["email"] == email)
        found = newest_first(state().customers.values(), *filters)
        return Answer(paginate(found, call.params, "/v1/customers", "customer"), is_list=True)

    async def retrieve_customer(call: Call) -> Answer:
        return Answer(billing.customer(call.path["id"]))

    async def update_customer(call: Call) -> Answer:
        return Answer(await billing.update_customer(call.path["id"], call.params, call.origin))

    router.add("POST", "/v1/customers", "CustomerCreateParams", create_customer)
    router.add("GET", "/v1/customers", "CustomerListParams", list_customers)
    router.add("GET", "/v1/customers/{id}", "CustomerRetrieveParams", retrieve_customer)
    router.add("POST", "/v1/customers/{id}", "CustomerUpdateParams", update_customer)

    # products
    async def create_product(call: Call) -> Answer:
        return Answer(await billing.create_product(call.params, call.origin))

    async def list_products(call: Call) -> Answer:
        filters = [created_filter(call.params)]
        if "active" in call.params:
            active = as_bool(call.params["active"], "active")
            filters.append(lambda p: p["active"] == active)
        if "ids" in call.params:
            ids = set(as_str_list(call.params["ids"], "ids"))
            filters.append(lambda p: p["id"] in ids)
        found = newest_first(state().products.values(), *filters)
        return Answer(paginate(found, call.params, "/v1/products", "product"), is_list=True)

    async def retrieve_product(call: Call) -> Answer:
        return Answer(billing.get("products", "product", call.path["id"]))

    router.add("POST", "/v1/products", "ProductCreateParams", create_product)
    router.add("GET", "/v1/products", "ProductListParams", list_products)
    router.add("GET", "/v1/products/{id}", "ProductRetrieveParams", retrieve_product)

    # prices
    async def create_price(call: Call) -> Answer:
        return Answer(await billing.create_price(call.params, call.origin))

    async def list_prices(call: Call) -> Answer:
        params = call.params
        filters = [created_filter(params)]
        if "active" in params:
            active = as_bool(params["active"], "active")
            filters.append(lambda p: p["active"] == active)
        if "type" in params:
            kind = as_enum(params["type"], "type", ("one_time", "recurring"))
            filters.append(lambda p: p["type"] == kind)
        if "product" in params:
            product = as_str(params["product"], "product")
            filters.append(lambda p: p["product"] == product)
        if "currency" in params:
            currency = as_str(params["currency"], "currency").lower()
            filters.append(lambda p: p["currency"] == currency)
        if "lookup_keys" in params:
            keys = set(as_str_list(params["lookup_keys"], "lookup_keys"))
            filters.append(lambda p: p["lookup_key"] in keys)
        if "recurring" in params:
            recurring = as_dict(params["recurring"], "recurring")
            if "interval" in recurring:
                interval = as_enum(
                    recurring["interval"], "recurring[interval]", ("day", "month", "week", "year")
                )
                filters.append(lambda p: (p["recurring"] or {}).get("interval") == interval)
        found = newest_first(state().prices.values(), *filters)
        return Answer(paginate(found, params, "/v1/prices", "price"), is_list=True)

    async def retrieve_price(call: Call) -> Answer:
        return Answer(billing.price(call.path["id"]))

    router.add("POST", "/v1/prices", "PriceCreateParams", create_price)
    router.add("GET", "/v1/prices", "PriceListParams", list_prices)
    router.add("GET", "/v1/prices/{id}", "PriceRetrieveParams", retrieve_price)

    # subscriptions
    async def create_subscription(call: Call) -> Answer:
        return Answer(await billing.create_subscription(call.params, call.origin))

    async def list_subscriptions(call: Call) -> Answer:
        params = call.params
        filters = [created_filter(params)]
        if "customer" in params:
            customer = as_str(params["customer"], "customer")
            filters.append(lambda s: s["customer"] == customer)
        price_param = params.get("price") or params.get("plan")
        if price_param:
            price = as_str(price_param, "price")
            filters.append(lambda s: any(i["price"]["id"] == price for i in s["items"]["data"]))
        status = (
            as_enum(params["status"], "status", SUBSCRIPTION_STATUSES)
            if "status" in params
            else None
        )
        if status is None:
            filters.append(lambda s: s["status"] != "canceled")
        elif status == "ended":
            filters.append(lambda s: s["status"] in ("canceled", "incomplete_expired"))
        elif status != "all":
            filters.append(lambda s: s["status"] == status)
        found = newest_first(state().subscriptions.values(), *filters)
        return Answer(paginate(found, params, "/v1/subscriptions", "subscription"), is_list=True)

    async def retrieve_subscription(call: Call) -> Answer:
        return Answer(billing.subscription(call.path["id"]))

    async def update_subscription(call: Call) -> Answer:
        return Answer(await billing.update_subscription(call.path["id"], call.params, call.origin))

    async def cancel_subscription(call: Call) -> Answer:
        return Answer(await billing.cancel_subscription(call.path["id"], call.params, call.origin))

    router.add("POST", "/v1/subscriptions", "SubscriptionCreateParams", create_subscription)
    router.add("GET", "/v1/subscriptions", "SubscriptionListParams", list_subscriptions)
    router.add("GET", "/v1/subscriptions/{id}", "SubscriptionRetrieveParams", retrieve_subscription)
    router.add("POST", "/v1/subscriptions/{id}", "SubscriptionUpdateParams", update_subscription)
    router.add("DELETE", "/v1/subscriptions/{id}", "SubscriptionCancelParams", cancel_subscription)

    # checkout sessions
    async def create_checkout_session(call: Call) -> Answer:
        return Answer(await checkout.create(call.params, call.origin))

    async def list_checkout_sessions(call: Call) -> Answer:
        params = call.params
        filters = [created_filter(params)]
        for key in ("customer", "subscription"):
            if key in params:
                wanted = as_str(params[key], key)
                filters.append(lambda s, key=key, wanted=wanted: s[key] == wanted)
        if "status" in params:
            status = as_enum(params["status"], "status", ("complete", "expired", "open"))
            filters.append(lambda s: s["status"] == status)
        if "customer_details" in params:
            details = as_dict(params["customer_details"], "customer_details")
            email = as_str(details.get("email", ""), "customer_details[email]")
            filters.append(lambda s: (s["customer_details"] or {}).get("email") == email)
        found = newest_first(state().checkout_sessions.values(), *filters)
        return Answer(
            paginate(found, params, "/v1/checkout/sessions", "checkout session"), is_list=True
        )

    async def retrieve_checkout_session(call: Call) -> Answer:
        return Answer(billing.get("checkout_sessions", "checkout session", call.path["id"]))

    async def expire_checkout_session(call: Call) -> Answer:
        return Answer(await checkout.expire(call.path["id"], call.origin))

    router.add(
        "POST", "/v1/checkout/sessions", "checkout.SessionCreateParams", create_checkout_session
    )
    router.add("GET", "/v1/checkout/sessions", "checkout.SessionListParams", list_checkout_sessions)
    router.add(
        "GET",
        "/v1/checkout/sessions/{id}",
        "checkout.SessionRetrieveParams",
        retrieve_checkout_session,
    )
    router.add(
        "POST",
        "/v1/checkout/sessions/{id}/expire",
        "checkout.SessionExpireParams",
        expire_checkout_session,
    )

    # billing portal
    async def create_configuration(call: Call) -> Answer:
        return Answer(await portal.create_configuration(call.params, call.origin))

    async def list_configurations(call: Call) -> Answer:
        params = call.params
        filters = []
        for key in ("active", "is_default"):
            if key in params:
                wanted = as_bool(params[key], key)
                filters.append(lambda c, key=key, wanted=wanted: c[key] == wanted)
        found = newest_first(state().portal_configurations.values(), *filters)
        return Answer(
            paginate(found, params, "/v1/billing_portal/configurations", "configuration"),
            is_list=True,
        )

    async def retrieve_configuration(call: Call) -> Answer:
        return Answer(billing.get("portal_configurations", "configuration", call.path["id"]))

    async def update_configuration(call: Call) -> Answer:
        return Answer(await portal.update_configuration(call.path["id"], call.params, call.origin))

    async def create_portal_session(call: Call) -> Answer:
        return Answer(await portal.create_session(call.params, call.origin))

    router.add(
        "POST",
        "/v1/billing_portal/configurations",
        "billing_portal.ConfigurationCreateParams",
        create_configuration,
    )
    router.add(
        "GET",
        "/v1/billing_portal/configurations",
        "billing_portal.ConfigurationListParams",
        list_configurations,
    )
    router.add(
        "GET",
        "/v1/billing_portal/configurations/{id}",
        "billing_portal.ConfigurationRetrieveParams",
        retrieve_configuration,
    )
    router.add(
        "POST",
        "/v1/billing_portal/configurations/{id}",
        "billing_portal.ConfigurationUpdateParams",
        update_configuration,
    )
    router.add(
        "POST",
        "/v1/billing_portal/sessions",
        "billing_portal.SessionCreateParams",
        create_portal_session,
    )

    # events
    async def list_events(call: Call) -> Answer:
        params = call.params
        filters = [created_filter(params)]
        if "type" in params and "types" in params:
            raise invalid_request(
                "You may only specify one of these parameters: type, types.", param="types"
            )
        if "type" in params:
            match = _type_matches(as_str(params["type"], "type"))
            filters.append(lambda e: match(e["type"]))
        if "types" in params:
            matchers = [_type_matches(t) for t in as_str_list(params["types"], "types")]
            filters.append(lambda e: any(m(e["type"]) for m in matchers))
        if "delivery_success" in params:
            wanted = as_bool(params["delivery_success"], "delivery_success")
            deliveries = state().deliveries
            filters.append(
                lambda e: (
                    e["id"] in deliveries
                    and (deliveries[e["id"]]["status"] == "delivered") == wanted
                )
            )
        found = newest_first(state().events.values(), *filters)
        return Answer(paginate(found, params, "/v1/events", "event"), is_list=True)

    async def retrieve_event(call: Call) -> Answer:
        return Answer(billing.get("events", "event", call.path["id"]))

    router.add("GET", "/v1/events", "EventListParams", list_events)
    router.add("GET", "/v1/events/{id}", "EventRetrieveParams", retrieve_event)
    return router


# --- the ASGI endpoint ------------------------------------------------------------------------


def _given_key(request: Request) -> str | None:
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


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, indent=2).encode()


class StripeApi:
    """The endpoint for `/v1/...`: `handle` answers one request."""

    def __init__(
        self,
        billing: Billing,
        checkout: Checkout,
        portal: Portal,
        secret_key: str,
        idempotency: IdempotencyCache,
    ) -> None:
        self.billing = billing
        self.secret_key = secret_key
        self.idempotency = idempotency
        self.router = build_router(billing, checkout, portal)

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
        method = request.method
        path = request.url.path
        raw = (await request.body()).decode() if method == "POST" else request.url.query
        if method == "DELETE" and not raw:
            raw = (await request.body()).decode()
        found = self.router.match(method, path)
        if found is None:
            raise unrecognized_url(method, path)
        endpoint, path_params = found
        params = decode_form(raw)
        check_known(params, endpoint.params_type)
        expand = expand_paths(params)
        idempotency_key = request.headers.get("idempotency-key") if method == "POST" else None
        if idempotency_key is None:
            return await self._run(
                endpoint, params, path_params, Origin(request_id, None), expand, request_id
            )
        headers["Idempotency-Key"] = idempotency_key
        endpoint_name = f"{method} {path}"
        print_ = fingerprint(raw)
        saved = self.idempotency.check(idempotency_key, endpoint_name, print_)
        if saved is not None:
            headers["Idempotent-Replayed"] = "true"
            headers["Original-Request"] = saved.request_id
            return Response(saved.body, status_code=saved.status, media_type="application/json")
        keep = None
        try:
            response = await self._run(
                endpoint,
                params,
                path_params,
                Origin(request_id, idempotency_key),
                expand,
                request_id,
            )
            if response.status_code == 200:
                keep = SavedResponse(
                    endpoint_name, print_, 200, bytes(response.body), request_id, time.time()
                )
            return response
        finally:
            self.idempotency.finish(idempotency_key, keep)

    async def _run(
        self,
        endpoint: Endpoint,
        params: dict[str, Any],
        path_params: dict[str, str],
        origin: Origin,
        expand: list[str],
        request_id: str,
    ) -> Response:
        try:
            answer = await endpoint.handler(Call(params, path_params, origin))
            body = render(answer.obj, expand, self.billing.state, is_list=answer.is_list)
        except StripeError:
            raise
        except Exception:
            log.exception(
                "the Stripe stand-in failed on %s %s", endpoint.method, endpoint.pattern.pattern
            )
            raise StripeError(
                "An unknown error occurred in the devstack Stripe stand-in (see its log).",
                status=500,
                type="api_error",
            ) from None
        return Response(_json(body), status_code=200, media_type="application/json")
