"""The catalogue: products and recurring prices (with their legacy `plan` view), and their
routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..params import as_bool, as_enum, as_str_list
from ..routes import LIST_PARAMS, Call, Route, matching, page, retrieve

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
    interval: str,
    nickname: str,
    lookup_key: str,
) -> dict[str, Any]:
    """An active recurring price in US dollars, the only kind the stand-in holds."""
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
        "recurring": {
            "interval": interval,
            "interval_count": 1,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
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


ROUTES = (
    Route("GET", "/v1/products/{id}", "ProductRetrieveParams", (), retrieve("products", "product")),
    Route(
        "GET", "/v1/prices", "PriceListParams",
        ("active", "lookup_keys", "product", "type", *LIST_PARAMS), _list_prices,
    ),
    Route("GET", "/v1/prices/{id}", "PriceRetrieveParams", (), retrieve("prices", "price")),
)
