"""Checkout Sessions in subscription mode: create, expire, and complete from the hosted page.

A session's `url` is the stand-in's own checkout page (`pages.py`). Paying there calls
`Checkout.complete`: the customer (created from `customer_email` or the page's email field when
the session names none), then the subscription with `subscription_data.metadata`, then the session
becomes `complete`; `customer.created`, `customer.subscription.created` and
`checkout.session.completed` fire in that order. Sessions expire after `expires_at` (24 hours by
default), firing `checkout.session.expired`. Other modes answer that the stand-in lacks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import objects
from .billing import Billing, check_email, check_url, missing, optional_text
from .clock import now
from .errors import invalid_request, not_supported, parameter_missing
from .ids import new_id
from .params import as_bool, as_dict, as_enum, as_int, as_list, as_str, merge_metadata
from .webhooks import AUTOMATIC, Origin

CHECKOUT_LIFETIME = 24 * 3600
CHECKOUT_MIN_LIFETIME = 30 * 60


class Checkout:
    """Checkout Sessions over the shared `Billing` core."""

    def __init__(self, billing: Billing) -> None:
        self.billing = billing

    async def create(self, params: Mapping[str, Any], origin: Origin = AUTOMATIC) -> dict[str, Any]:
        mode = as_enum(
            params.get("mode") or missing("mode"), "mode", ("payment", "setup", "subscription")
        )
        if mode != "subscription":
            raise not_supported(
                f"Checkout in `{mode}` mode; only `mode=subscription` is implemented", param="mode"
            )
        if params.get("ui_mode") not in (None, "hosted"):
            raise not_supported(
                "embedded or custom Checkout; only `ui_mode=hosted` is implemented", param="ui_mode"
            )
        for unsupported in (
            "discounts",
            "optional_items",
            "shipping_options",
            "shipping_address_collection",
        ):
            if params.get(unsupported):
                raise not_supported(f"`{unsupported}` in Checkout", param=unsupported)
        success_url = (
            check_url(params["success_url"], "success_url") if "success_url" in params else None
        )
        cancel_url = (
            check_url(params["cancel_url"], "cancel_url") if "cancel_url" in params else None
        )
        customer_email = optional_text(params, "customer_email")
        check_email(customer_email, "customer_email")
        if params.get("customer") and customer_email:
            raise invalid_request(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer_email",
            )
        line_items = as_list(params.get("line_items") or missing("line_items"), "line_items")
        if len(line_items) != 1:
            raise not_supported("Checkout with more than one line item", param="line_items")
        line = as_dict(line_items[0], "line_items[0]")
        if "price_data" in line:
            raise not_supported(
                "`price_data`; create a price and pass its id", param="line_items[0][price_data]"
            )
        quantity = as_int(
            line.get("quantity") or missing("line_items[0][quantity]"),
            "line_items[0][quantity]",
            minimum=1,
        )
        subscription_data = as_dict(params.get("subscription_data", {}), "subscription_data")
        for unsupported in (
            "trial_period_days",
            "trial_end",
            "billing_cycle_anchor",
            "trial_settings",
        ):
            if unsupported in subscription_data:
                raise not_supported(
                    "trials and billing anchors", param=f"subscription_data[{unsupported}]"
                )
        sub_metadata = merge_metadata(
            {}, subscription_data.get("metadata", {}), "subscription_data[metadata]"
        )
        metadata = merge_metadata({}, params.get("metadata", {}))
        created = now()
        expires_at = created + CHECKOUT_LIFETIME
        if "expires_at" in params:
            expires_at = as_int(params["expires_at"], "expires_at")
            if not created + CHECKOUT_MIN_LIFETIME <= expires_at <= created + CHECKOUT_LIFETIME:
                raise invalid_request(
                    "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                    param="expires_at",
                )
        async with self.billing.store.lock:
            customer_id = None
            if params.get("customer"):
                customer_id = self.billing.customer(
                    as_str(params["customer"], "customer"), param="customer", status=400
                )["id"]
            price = self.billing.recurring_price(
                line.get("price") or missing("line_items[0][price]"), "line_items[0][price]"
            )
            session_id = new_id("cs_test_a1")
            session = objects.checkout_session(
                session_id=session_id,
                created=created,
                expires_at=expires_at,
                url=f"{self.billing.public_base}/c/pay/{session_id}",
                mode=mode,
                currency=price["currency"],
                amount=price["unit_amount"] * quantity,
                customer_id=customer_id,
                customer_email=customer_email,
                client_reference_id=optional_text(params, "client_reference_id"),
                success_url=success_url,
                cancel_url=cancel_url,
                metadata=metadata,
                allow_promotion_codes=as_bool(
                    params["allow_promotion_codes"], "allow_promotion_codes"
                )
                if "allow_promotion_codes" in params
                else None,
                billing_address_collection=as_enum(
                    params["billing_address_collection"],
                    "billing_address_collection",
                    ("auto", "required"),
                )
                if "billing_address_collection" in params
                else None,
                locale=optional_text(params, "locale"),
            )
            self.billing.state.checkout_sessions[session_id] = session
            self.billing.state.checkout_details[session_id] = {
                "line_items": [{"price": price["id"], "quantity": quantity}],
                "subscription_data": {
                    "metadata": sub_metadata,
                    "description": optional_text(subscription_data, "description"),
                },
            }
            self.billing.store.changed()
        return session

    def _expire_if_due(self, session: dict[str, Any], at: int) -> bool:
        if session["status"] == "open" and session["expires_at"] <= at:
            session["status"] = "expired"
            self.billing.publish("checkout.session.expired", session, AUTOMATIC)
            return True
        return False

    async def expire(self, session_id: str, origin: Origin = AUTOMATIC) -> dict[str, Any]:
        async with self.billing.store.lock:
            session = self.billing.get("checkout_sessions", "checkout session", session_id)
            self._expire_if_due(session, now())
            if session["status"] != "open":
                raise invalid_request(
                    f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
                    f'Session has a status of "{session["status"]}".',
                )
            session["status"] = "expired"
            self.billing.publish("checkout.session.expired", session, origin)
        return session

    async def complete(self, session_id: str, email: str | None) -> dict[str, Any]:
        """What paying on the hosted page does: customer, subscription, then the session completes."""
        async with self.billing.store.lock:
            session = self.billing.get("checkout_sessions", "checkout session", session_id)
            self._expire_if_due(session, now())
            if session["status"] != "open":
                raise invalid_request(
                    f"This Checkout Session is {session['status']} and can't be paid again."
                )
            details = self.billing.state.checkout_details[session_id]
            line = details["line_items"][0]
            price = self.billing.recurring_price(line["price"], "line_items[0][price]")
            if session["customer"]:
                customer = self.billing.customer(session["customer"], param="customer", status=400)
            else:
                address = session["customer_email"] or (email or "").strip() or None
                if not address:
                    raise parameter_missing("email")
                check_email(address)
                customer = objects.customer(
                    customer_id=new_id("cus_"), created=now(), email=address, name=None
                )
                self.billing.state.customers[customer["id"]] = customer
                self.billing.publish("customer.created", customer, AUTOMATIC)
            subscription_data = details["subscription_data"]
            subscription = self.billing.new_subscription(
                customer,
                price,
                line["quantity"],
                dict(subscription_data["metadata"]),
                subscription_data.get("description"),
            )
            self.billing.insert_subscription(subscription, customer, AUTOMATIC)
            session["status"] = "complete"
            session["payment_status"] = "paid"
            session["customer"] = customer["id"]
            session["subscription"] = subscription["id"]
            session["customer_details"] = objects.checkout_customer_details(
                customer["email"], customer["name"]
            )
            self.billing.publish("checkout.session.completed", session, AUTOMATIC)
        return session

    async def expire_due(self) -> None:
        """Expire every open session whose `expires_at` has passed (time passing)."""
        async with self.billing.store.lock:
            at = now()
            for session in self.billing.state.checkout_sessions.values():
                self._expire_if_due(session, at)
