"""Customers: the object, creating, updating (with its default payment method) and deleting
one, and their routes."""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import StripeError, not_supported, payment_method_not_attached
from ..ids import new_id
from ..params import as_dict, as_optional_str, as_str, merge_metadata
from ..routes import LIST_PARAMS, Call, Origin, Route, matching, page
from . import payment_methods
from .events import publish, publish_changes

if TYPE_CHECKING:
    from ..account import Account

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What the routes create and update.
FIELDS = ("email", "name", "metadata", "invoice_settings.default_payment_method")
DEFAULT_PM_PARAM = "invoice_settings[default_payment_method]"


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


def _default_given(params: Mapping[str, Any]) -> str | None:
    """`invoice_settings[default_payment_method]` when given ("" unsets it)."""
    settings = as_dict(params.get("invoice_settings", {}), "invoice_settings")
    if "default_payment_method" not in settings:
        return None
    return as_str(settings["default_payment_method"], DEFAULT_PM_PARAM)


async def create(account: Account, params: Mapping[str, Any], origin: Origin) -> dict[str, Any]:
    """A customer; `payment_method` is attached to it, and may be named as the default too,
    test cards included (Stripe's docs create test customers with
    `payment_method=pm_card_visa&invoice_settings[default_payment_method]=pm_card_visa`)."""
    customer = customer_object(new_id("cus_"), account.now())
    _apply(customer, params)
    default = _default_given(params)
    async with account.lock:
        card = None
        if "payment_method" in params:
            given = as_str(params["payment_method"], "payment_method")
            card = payment_methods.find(account, given, param="payment_method", status=400)
        if default:
            if card is None or default not in (params["payment_method"], card["id"]):
                raise payment_method_not_attached(default, DEFAULT_PM_PARAM)
            customer["invoice_settings"]["default_payment_method"] = card["id"]
        add(account, customer, origin)
        if card is not None:
            payment_methods.attach(account, card["id"], customer, origin, "payment_method")
    return customer


def _set_default(account: Account, draft: dict[str, Any], payment_method: str) -> None:
    if payment_method:
        payment_methods.attached(account, draft["id"], payment_method, DEFAULT_PM_PARAM)
    draft["invoice_settings"]["default_payment_method"] = payment_method or None


def set_default(
    account: Account, customer: dict[str, Any], payment_method: str, origin: Origin
) -> None:
    """Make an attached payment method ("" for none) the default for invoices; the caller
    holds the lock."""
    draft = copy.deepcopy(customer)
    _set_default(account, draft, payment_method)
    publish_changes(account, customer, draft, "customer.updated", origin)


async def update(
    account: Account, customer_id: str, params: Mapping[str, Any], origin: Origin
) -> dict[str, Any]:
    default = _default_given(params)
    async with account.lock:
        customer = find(account, customer_id)
        draft = copy.deepcopy(customer)
        _apply(draft, params)
        if default is not None:
            _set_default(account, draft, default)
        publish_changes(account, customer, draft, "customer.updated", origin)
    return customer


def _retrieve(call: Call) -> dict[str, Any]:
    """The customer, or Stripe's `deleted_customer` object for one that was deleted."""
    if call.path["id"] in call.account.state.deleted_customers:
        return {"id": call.path["id"], "object": "customer", "deleted": True}
    return find(call.account, call.path["id"])


async def delete(account: Account, customer_id: str, origin: Origin) -> dict[str, Any]:
    """Delete a customer for good (`customer.deleted`); retrieving it then answers the
    `deleted_customer` object. Stripe would also cancel the customer's subscriptions and detach
    its payment methods: the stand-in deletes only customers that have neither, and says so."""
    async with account.lock:
        customer = find(account, customer_id)
        state = account.state
        if any(s["customer"] == customer_id for s in state.subscriptions.values()) or any(
            m["customer"] == customer_id for m in state.payment_methods.values()
        ):
            raise not_supported("deleting a customer that has subscriptions or payment methods")
        del state.customers[customer_id]
        state.deleted_customers.append(customer_id)
        publish(account, "customer.deleted", customer, origin)
    return {"id": customer_id, "object": "customer", "deleted": True}


ROUTES = (
    Route(
        "POST", "/v1/customers", "CustomerCreateParams", (*FIELDS, "payment_method"),
        lambda call: create(call.account, call.params, call.origin),
    ),
    Route(
        "GET", "/v1/customers", "CustomerListParams", ("email", *LIST_PARAMS),
        lambda call: page(call, "customers", "customer", matching(call.params, "email")),
    ),
    Route("GET", "/v1/customers/{id}", "CustomerRetrieveParams", (), _retrieve),
    Route(
        "POST", "/v1/customers/{id}", "CustomerUpdateParams", FIELDS,
        lambda call: update(call.account, call.path["id"], call.params, call.origin),
    ),
    Route(
        "DELETE", "/v1/customers/{id}", "CustomerDeleteParams", (),
        lambda call: delete(call.account, call.path["id"], call.origin),
    ),
)
