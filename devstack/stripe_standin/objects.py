"""Builders of each Stripe object shape the stand-in returns, with every top-level key Stripe sends.

The key sets follow Stripe's own examples (`shared/reference/stripe-openapi-fixtures3.json`) for
the API version stripe-python 16 pins. Fields the stand-in has no behaviour for carry Stripe's
default for a plain test-mode account (null, false, empty list). Builders only shape data; the
rules for changing objects live in `billing.py`, `checkout.py` and `portal.py`.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

import stripe

from .ids import new_id

API_VERSION: str = stripe.api_version  # the version stripe-python pins, e.g. "2026-10-28.endive"


def customer(
    *,
    customer_id: str,
    created: int,
    email: str | None,
    name: str | None,
    description: str | None = None,
    phone: str | None = None,
    metadata: dict[str, str] | None = None,
    preferred_locales: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "id": customer_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": created,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": description,
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
        "metadata": metadata or {},
        "name": name,
        "next_invoice_sequence": 1,
        "phone": phone,
        "preferred_locales": preferred_locales or [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def deleted_customer(customer_id: str) -> dict[str, Any]:
    return {"id": customer_id, "object": "customer", "deleted": True}


def product(
    *,
    product_id: str,
    created: int,
    name: str,
    description: str | None = None,
    active: bool = True,
    metadata: dict[str, str] | None = None,
    default_price: str | None = None,
) -> dict[str, Any]:
    return {
        "id": product_id,
        "object": "product",
        "active": active,
        "created": created,
        "default_price": default_price,
        "description": description,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": metadata or {},
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


def price(
    *,
    price_id: str,
    created: int,
    product_id: str,
    currency: str,
    unit_amount: int,
    interval: str | None,
    interval_count: int = 1,
    nickname: str | None = None,
    lookup_key: str | None = None,
    active: bool = True,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    recurring = None
    if interval:
        recurring = {
            "interval": interval,
            "interval_count": interval_count,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        }
    return {
        "id": price_id,
        "object": "price",
        "active": active,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": metadata or {},
        "nickname": nickname,
        "product": product_id,
        "recurring": recurring,
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if interval else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def plan(from_price: dict[str, Any]) -> dict[str, Any]:
    """The legacy `plan` view of a recurring price, as subscription items still carry it."""
    recurring = from_price["recurring"] or {}
    return {
        "id": from_price["id"],
        "object": "plan",
        "active": from_price["active"],
        "amount": from_price["unit_amount"],
        "amount_decimal": from_price["unit_amount_decimal"],
        "billing_scheme": from_price["billing_scheme"],
        "created": from_price["created"],
        "currency": from_price["currency"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": False,
        "metadata": from_price["metadata"],
        "meter": None,
        "nickname": from_price["nickname"],
        "product": from_price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def subscription_item(
    *,
    item_id: str,
    created: int,
    subscription_id: str,
    item_price: dict[str, Any],
    quantity: int,
    period_start: int,
    period_end: int,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "id": item_id,
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": created,
        "current_period_end": period_end,
        "current_period_start": period_start,
        "discounts": [],
        "metadata": metadata or {},
        "plan": plan(item_price),
        "price": copy.deepcopy(item_price),
        "quantity": quantity,
        "subscription": subscription_id,
        "tax_rates": [],
    }


def list_object(data: list[dict[str, Any]], url: str, has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def subscription(
    *,
    subscription_id: str,
    created: int,
    customer_id: str,
    currency: str,
    items: list[dict[str, Any]],
    billing_cycle_anchor: int,
    metadata: dict[str, str] | None = None,
    description: str | None = None,
    status: str = "active",
) -> dict[str, Any]:
    items_list = list_object(items, f"/v1/subscription_items?subscription={subscription_id}")
    items_list["total_count"] = len(items)
    return {
        "id": subscription_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": billing_cycle_anchor,
        "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic"},
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": created,
        "currency": currency,
        "customer": customer_id,
        "customer_account": None,
        "days_until_due": None,
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": description,
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {
            "account_tax_ids": None,
            "custom_fields": None,
            "description": None,
            "footer": None,
            "issuer": {"type": "self"},
        },
        "items": items_list,
        "latest_invoice": None,
        "livemode": False,
        "managed_payments": {"enabled": False},
        "metadata": metadata or {},
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": created,
        "status": status,
        "test_clock": None,
        "transfer_data": None,
        "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": None,
    }


def checkout_session(
    *,
    session_id: str,
    created: int,
    expires_at: int,
    url: str,
    mode: str,
    currency: str,
    amount: int,
    customer_id: str | None,
    customer_email: str | None,
    client_reference_id: str | None,
    success_url: str | None,
    cancel_url: str | None,
    metadata: dict[str, str],
    allow_promotion_codes: bool | None,
    billing_address_collection: str | None,
    locale: str | None,
) -> dict[str, Any]:
    return {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": None,
        "after_expiration": None,
        "allow_promotion_codes": allow_promotion_codes,
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": billing_address_collection,
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id,
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": customer_id,
        "customer_account": None,
        "customer_creation": None,
        "customer_details": None,
        "customer_email": customer_email,
        "discounts": [],
        "expires_at": expires_at,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": locale,
        "managed_payments": None,
        "metadata": metadata,
        "mode": mode,
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
        "success_url": success_url,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": url,
        "wallet_options": None,
    }


def checkout_customer_details(email: str | None, name: str | None = None) -> dict[str, Any]:
    return {
        "address": None,
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }


def portal_configuration(
    *,
    configuration_id: str,
    created: int,
    features: dict[str, Any],
    business_profile: dict[str, Any],
    default_return_url: str | None,
    is_default: bool,
    metadata: dict[str, str] | None,
    name: str | None,
    login_page_enabled: bool = False,
) -> dict[str, Any]:
    return {
        "id": configuration_id,
        "object": "billing_portal.configuration",
        "active": True,
        "application": None,
        "business_profile": business_profile,
        "created": created,
        "default_return_url": default_return_url,
        "features": features,
        "is_default": is_default,
        "livemode": False,
        "login_page": {
            "enabled": login_page_enabled,
            "url": f"https://billing.stripe.com/p/login/test_{secrets.token_urlsafe(12)}"
            if login_page_enabled
            else None,
        },
        "metadata": metadata or {},
        "name": name,
        "updated": created,
    }


def portal_features(
    *,
    customer_update_enabled: bool = False,
    allowed_updates: list[str] | None = None,
    invoice_history_enabled: bool = False,
    payment_method_update_enabled: bool = False,
    cancel_enabled: bool = False,
    cancel_mode: str = "at_period_end",
    cancel_proration_behavior: str = "none",
    cancellation_reason_enabled: bool = False,
    cancellation_reason_options: list[str] | None = None,
    update_enabled: bool = False,
    default_allowed_updates: list[str] | None = None,
    update_proration_behavior: str = "none",
    products: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `features` of a portal configuration. `subscription_update.products` is kept here
    but only shown when a caller expands it, as Stripe does for that includable field."""
    return {
        "customer_update": {
            "allowed_updates": allowed_updates or [],
            "enabled": customer_update_enabled,
        },
        "invoice_history": {"enabled": invoice_history_enabled},
        "payment_method_update": {
            "enabled": payment_method_update_enabled,
            "payment_method_configuration": None,
        },
        "subscription_cancel": {
            "cancellation_reason": {
                "enabled": cancellation_reason_enabled,
                "options": cancellation_reason_options or [],
            },
            "enabled": cancel_enabled,
            "mode": cancel_mode,
            "proration_behavior": cancel_proration_behavior,
        },
        "subscription_update": {
            "billing_cycle_anchor": None,
            "default_allowed_updates": default_allowed_updates or [],
            "enabled": update_enabled,
            "products": products or [],
            "proration_behavior": update_proration_behavior,
            "schedule_at_period_end": {"conditions": []},
            "trial_update_behavior": "end_trial",
        },
    }


def portal_session(
    *,
    session_id: str,
    created: int,
    customer_id: str,
    configuration_id: str,
    url: str,
    return_url: str | None,
    flow: dict[str, Any] | None,
    locale: str | None,
) -> dict[str, Any]:
    return {
        "id": session_id,
        "object": "billing_portal.session",
        "configuration": configuration_id,
        "created": created,
        "customer": customer_id,
        "customer_account": None,
        "flow": flow,
        "livemode": False,
        "locale": locale,
        "on_behalf_of": None,
        "return_url": return_url,
        "url": url,
    }


def event(
    *,
    event_type: str,
    created: int,
    data_object: dict[str, Any],
    previous_attributes: dict[str, Any] | None,
    request_id: str | None,
    idempotency_key: str | None,
    pending_webhooks: int,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": new_id("evt_1"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": event_type,
    }
