"""Checkout Sessions in subscription mode: the object, creating, expiring and paying one (with a
test card), and their routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import card_declined, invalid_request, not_supported, parameter_missing
from ..ids import new_id
from ..params import (
    as_bool,
    as_dict,
    as_enum,
    as_int,
    as_list,
    as_optional_str,
    as_str,
    as_url,
    documented_values,
    merge_metadata,
    missing,
)
from ..routes import AUTOMATIC, Origin, Route, retrieve
from . import customers, payment_methods, subscriptions
from .catalogue import find_price, subscribable_price
from .events import publish

if TYPE_CHECKING:
    from ..account import Account

CHECKOUT_LIFETIME = 24 * 3600
PARAMS = "checkout.SessionCreateParams"
LOCALES = documented_values(PARAMS, "locale")
UI_MODES = documented_values(PARAMS, "ui_mode")


def session_object(
    session_id: str, created: int, url: str, params: Mapping[str, Any], amount: int
) -> dict[str, Any]:
    """An open session for the parameters of `POST /v1/checkout/sessions`."""
    return {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": None,
        "after_expiration": None,
        "allow_promotion_codes": (
            as_bool(params["allow_promotion_codes"], "allow_promotion_codes")
            if "allow_promotion_codes" in params
            else None
        ),
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": as_optional_str(params, "client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": "usd",
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": params.get("customer") or None,
        "customer_account": None,
        "customer_creation": None,
        "customer_details": None,
        "customer_email": as_optional_str(params, "customer_email"),
        "discounts": [],
        "expires_at": created + CHECKOUT_LIFETIME,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": params.get("locale"),
        "managed_payments": None,
        "metadata": merge_metadata({}, params.get("metadata", {})),
        "mode": "subscription",
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "always",
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": {
            "allow_redisplay_filters": ["always"],
            "payment_method_remove": None,
            "payment_method_save": None,
        },
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": None,
        "subscription": None,
        "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page",
        "url": url,
        "wallet_options": None,
    }


async def create(account: Account, params: Mapping[str, Any], origin: Origin) -> dict[str, Any]:
    mode = as_enum(
        params.get("mode") or missing("mode"), "mode", ("payment", "setup", "subscription")
    )
    if mode != "subscription":
        raise not_supported(
            f"Checkout in `{mode}` mode; only `mode=subscription` is implemented", param="mode"
        )
    for key in ("success_url", "cancel_url"):
        if key in params:
            as_url(params[key], key)
    if "locale" in params:
        as_enum(params["locale"], "locale", LOCALES)
    if as_enum(params.get("ui_mode", "hosted_page"), "ui_mode", UI_MODES) != "hosted_page":
        raise not_supported("Checkout pages other than `ui_mode=hosted_page`", param="ui_mode")
    customer_email = as_optional_str(params, "customer_email")
    customers.check_email(customer_email, "customer_email")
    if params.get("customer") and customer_email:
        raise invalid_request(
            "You may only specify one of these parameters: customer, customer_email.",
            param="customer_email",
        )
    line_items = as_list(params.get("line_items") or missing("line_items"), "line_items")
    if len(line_items) != 1:
        raise not_supported("Checkout with more than one line item", param="line_items")
    line = as_dict(line_items[0], "line_items[0]")
    quantity_param = "line_items[0][quantity]"
    quantity = as_int(line.get("quantity") or missing(quantity_param), quantity_param, minimum=1)
    subscription_data = as_dict(params.get("subscription_data", {}), "subscription_data")
    sub_metadata = merge_metadata(
        {}, subscription_data.get("metadata", {}), "subscription_data[metadata]"
    )
    async with account.lock:
        if params.get("customer"):
            customer_id = as_str(params["customer"], "customer")
            customers.find(account, customer_id, param="customer", status=400)
        price_param = "line_items[0][price]"
        price = find_price(account, line.get("price") or missing(price_param), price_param)
        if price["type"] != "recurring":
            raise invalid_request(
                "You must provide at least one recurring price in `subscription` mode when "
                "using prices.",
                param="line_items",
            )
        subscribable_price(account, price["id"], price_param)
        session_id = new_id("cs_test_a1")
        url = f"{account.public_base}/c/pay/{session_id}"
        amount = price["unit_amount"] * quantity
        session = session_object(session_id, account.now(), url, params, amount)
        account.state.checkout_sessions[session_id] = session
        account.state.checkout_details[session_id] = {
            "line_items": [{"price": price["id"], "quantity": quantity}],
            "subscription_data": {"metadata": sub_metadata},
        }
        account.store.changed()
    return session


def _expire_if_due(account: Account, session: dict[str, Any], at: int) -> None:
    if session["status"] == "open" and session["expires_at"] <= at:
        session["status"] = "expired"
        publish(account, "checkout.session.expired", session)


async def expire(account: Account, session_id: str, origin: Origin) -> dict[str, Any]:
    async with account.lock:
        session = account.get("checkout_sessions", "checkout session", session_id)
        _expire_if_due(account, session, account.now())
        if session["status"] != "open":
            raise invalid_request(
                'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
                f'Session has a status of "{session["status"]}".',
            )
        session["status"] = "expired"
        publish(account, "checkout.session.expired", session, origin)
    return session


async def complete(
    account: Account, session_id: str, email: str | None, card: str = "pm_card_visa"
) -> dict[str, Any]:
    """What paying on the hosted page with a test card does: the customer (made from
    `customer_email` or the page's email field when the session names none), the card attached
    to it, the subscription with that card as its default payment method and its first invoice
    paid, then the session completes, each with its event. A declining card changes nothing."""
    if card not in payment_methods.TEST_CARDS:
        raise invalid_request(f"Unknown test card: {card}", param="card")
    async with account.lock:
        at = account.now()
        session = account.get("checkout_sessions", "checkout session", session_id)
        _expire_if_due(account, session, at)
        if session["status"] != "open":
            raise invalid_request(
                f"This Checkout Session is {session['status']} and can't be paid again."
            )
        if payment_methods.TEST_CARDS[card].declines:
            raise card_declined()
        details = account.state.checkout_details[session_id]
        line = details["line_items"][0]
        price = find_price(account, line["price"], "line_items[0][price]")
        if session["customer"]:
            customer = customers.find(account, session["customer"], param="customer", status=400)
        else:
            address = session["customer_email"] or (email or "").strip() or None
            if not address:
                raise parameter_missing("email")
            customers.check_email(address)
            customer = customers.customer_object(new_id("cus_"), at, address)
            customers.add(account, customer, AUTOMATIC)
        method = payment_methods.attach(account, card, customer, AUTOMATIC, param="card")
        metadata = dict(details["subscription_data"]["metadata"])
        subscription = subscriptions.subscription_object(
            customer["id"], price, line["quantity"], metadata, at
        )
        subscription["default_payment_method"] = method["id"]
        subscriptions.start(account, subscription, AUTOMATIC)
        subscriptions.add(account, subscription, customer, AUTOMATIC)
        session.update(
            status="complete",
            payment_status="paid",
            customer=customer["id"],
            invoice=subscription["latest_invoice"],
            subscription=subscription["id"],
            customer_details={
                "address": None,
                "business_name": None,
                "email": customer["email"],
                "individual_name": None,
                "name": customer["name"],
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            },
        )
        publish(account, "checkout.session.completed", session)
    return session


async def expire_due(account: Account) -> None:
    """Expire every open session whose `expires_at` has passed (time passing)."""
    async with account.lock:
        at = account.now()
        for session in account.state.checkout_sessions.values():
            _expire_if_due(account, session, at)


ROUTES = (
    Route(
        "POST", "/v1/checkout/sessions", "checkout.SessionCreateParams",
        (
            "allow_promotion_codes", "cancel_url", "client_reference_id", "customer",
            "customer_email", "line_items.price", "line_items.quantity", "locale", "metadata",
            "mode", "subscription_data.metadata", "success_url", "ui_mode",
        ),
        lambda call: create(call.account, call.params, call.origin),
    ),
    Route(
        "GET", "/v1/checkout/sessions/{id}", "checkout.SessionRetrieveParams", (),
        retrieve("checkout_sessions", "checkout session"),
    ),
    Route(
        "POST", "/v1/checkout/sessions/{id}/expire", "checkout.SessionExpireParams", (),
        lambda call: expire(call.account, call.path["id"], call.origin),
    ),
)
