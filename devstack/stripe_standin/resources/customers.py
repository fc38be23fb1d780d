"""Customers: the object, creating and updating one, and their routes."""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..clock import now
from ..errors import StripeError
from ..ids import new_id
from ..params import as_optional_str, merge_metadata
from ..routes import LIST_PARAMS, Origin, Route, matching, page, retrieve
from .events import publish, publish_changes

if TYPE_CHECKING:
    from ..account import Account

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = ("email", "name", "metadata")  # what the routes create and update


def customer_object(customer_id: str, created: int, email: str | None = None) -> dict[str, Any]:
    return {
        "id": customer_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": created,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": email,
        "invoice_prefix": secrets.token_hex(4).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def check_email(email: str | None, param: str = "email") -> None:
    if email is not None and not EMAIL_RE.match(email):
        raise StripeError(f"Invalid email address: {email}", code="email_invalid", param=param,
                          validation=True)


def find(account: Account, customer_id: Any, *, param: str = "id", status: int = 404) -> dict:
    return account.get("customers", "customer", customer_id, param=param, status=status)


def add(account: Account, customer: dict[str, Any], origin: Origin) -> None:
    account.state.customers[customer["id"]] = customer
    publish(account, "customer.created", customer, origin)


def _apply(draft: dict[str, Any], params: Mapping[str, Any]) -> None:
    for key in ("email", "name"):
        if key in params:
            draft[key] = as_optional_str(params, key)
    if "email" in params:
        check_email(draft["email"])
    if "metadata" in params:
        draft["metadata"] = merge_metadata(draft["metadata"], params["metadata"])


async def create(account: Account, params: Mapping[str, Any], origin: Origin) -> dict[str, Any]:
    customer = customer_object(new_id("cus_"), now())
    _apply(customer, params)
    async with account.lock:
        add(account, customer, origin)
    return customer


async def update(
    account: Account, customer_id: str, params: Mapping[str, Any], origin: Origin
) -> dict[str, Any]:
    async with account.lock:
        customer = find(account, customer_id)
        draft = copy.deepcopy(customer)
        _apply(draft, params)
        publish_changes(account, customer, draft, "customer.updated", origin)
    return customer


ROUTES = (
    Route(
        "POST", "/v1/customers", "CustomerCreateParams", FIELDS,
        lambda call: create(call.account, call.params, call.origin),
    ),
    Route(
        "GET", "/v1/customers", "CustomerListParams", ("email", *LIST_PARAMS),
        lambda call: page(call, "customers", "customer", matching(call.params, "email")),
    ),
    Route(
        "GET", "/v1/customers/{id}", "CustomerRetrieveParams", (),
        retrieve("customers", "customer"),
    ),
    Route(
        "POST", "/v1/customers/{id}", "CustomerUpdateParams", FIELDS,
        lambda call: update(call.account, call.path["id"], call.params, call.origin),
    ),
)
