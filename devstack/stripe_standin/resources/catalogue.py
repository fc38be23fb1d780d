"""The catalogue: products and prices (recurring ones with their legacy `plan` view), changing
them, and their routes."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import invalid_request
from ..params import as_bool, as_enum, as_optional_str, as_str_list, merge_metadata
from ..routes import LIST_PARAMS, Call, Route, matching, page, retrieve
from .events import publish_changes

if TYPE_CHECKING:
    from ..account import Account


def product_object(
    product_id: str, created: int, name: str, description: str, default_price: str
) -> dict[str, Any]:
    return {
        "id": product_id,
        "object": "product",
        "active": True,
        "created": created,
        "default_price": default_price,
        "description": description,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {},
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": created,
        "url": None,
    }


def price_object(
    price_id: str,
    created: int,
    product_id: str,
    unit_amount: int,
    interval: str | None,
    nickname: str,
    lookup_key: str,
) -> dict[str, Any]:
    """An active price in US dollars: recurring every `interval`, or one-time when it is None."""
    recurring = {
        "interval": interval,
        "interval_count": 1,
        "meter": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }
    return {
        "id": price_id,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": "usd",
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": {},
        "nickname": nickname,
        "product": product_id,
        "recurring": recurring if interval else None,
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if interval else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def plan_object(price: dict[str, Any]) -> dict[str, Any]:
    """The legacy `plan` view of a recurring price, as subscription items still carry it."""
    recurring = price["recurring"]
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": False,
        "metadata": price["metadata"],
        "meter": None,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": recurring["usage_type"],
    }


def find_price(account: Account, price_id: Any, param: str) -> dict[str, Any]:
    """The price a parameter names (a missing one is a 400, as for any id given as a parameter)."""
    return account.get("prices", "price", price_id, param=param, status=400)


def subscribable_price(account: Account, price_id: Any, param: str) -> dict[str, Any]:
    """A price a subscription may be made of: active and recurring."""
    price = find_price(account, price_id, param)
    if not price["active"]:
        raise invalid_request(
            "The price specified is inactive. This field only accepts active prices.", param=param
        )
    if price["type"] != "recurring":
        raise invalid_request(
            "The price specified is set to `type=one_time` but this field only accepts prices "
            "with `type=recurring`.",
            param=param,
        )
    return price


async def _update(call: Call, collection: str, kind: str, texts: tuple[str, ...]) -> dict:
    """`POST /v1/products/{id}` and `/v1/prices/{id}`: `active`, `metadata` and the texts."""
    params: Mapping[str, Any] = call.params
    async with call.account.lock:
        stored = call.account.get(collection, kind, call.path["id"])
        draft = copy.deepcopy(stored)
        if "active" in params:
            draft["active"] = as_bool(params["active"], "active")
        for key in texts:
            if key in params:
                draft[key] = as_optional_str(params, key)
        if "metadata" in params:
            draft["metadata"] = merge_metadata(draft["metadata"], params["metadata"])
        if draft != stored and "updated" in draft:
            draft["updated"] = call.account.now()
        publish_changes(call.account, stored, draft, f"{kind}.updated", call.origin)
    return stored


def _list_prices(call: Call) -> dict[str, Any]:
    params = call.params
    filters = [
        *matching(params, "active", as_bool),
        *matching(params, "product"),
        *matching(params, "type", lambda v, k: as_enum(v, k, ("one_time", "recurring"))),
    ]
    if "lookup_keys" in params:
        keys = set(as_str_list(params["lookup_keys"], "lookup_keys"))
        filters.append(lambda p: p["lookup_key"] in keys)
    return page(call, "prices", "price", filters)


def _list_products(call: Call) -> dict[str, Any]:
    filters = matching(call.params, "active", as_bool)
    if "ids" in call.params:
        ids = set(as_str_list(call.params["ids"], "ids"))
        filters.append(lambda p: p["id"] in ids)
    return page(call, "products", "product", filters)


PRODUCT_TEXTS = ("description",)
PRICE_TEXTS = ("nickname", "lookup_key")

ROUTES = (
    Route(
        "GET", "/v1/products", "ProductListParams", ("active", "ids", *LIST_PARAMS),
        _list_products,
    ),
    Route("GET", "/v1/products/{id}", "ProductRetrieveParams", (), retrieve("products", "product")),
    Route(
        "POST", "/v1/products/{id}", "ProductUpdateParams",
        ("active", "metadata", *PRODUCT_TEXTS),
        lambda call: _update(call, "products", "product", PRODUCT_TEXTS),
    ),
    Route(
        "GET", "/v1/prices", "PriceListParams",
        ("active", "lookup_keys", "product", "type", *LIST_PARAMS), _list_prices,
    ),
    Route("GET", "/v1/prices/{id}", "PriceRetrieveParams", (), retrieve("prices", "price")),
    Route(
        "POST", "/v1/prices/{id}", "PriceUpdateParams", ("active", "metadata", *PRICE_TEXTS),
        lambda call: _update(call, "prices", "price", PRICE_TEXTS),
    ),
)
