"""Customers, products, prices and subscriptions: every change, with Stripe's rules and errors.

`Billing` is the core of the stand-in's behaviour; `checkout.py` and `portal.py` build on it.
The `/v1` routes and the hosted pages both call these methods, so a click on the local portal
page changes a subscription through exactly the code an API update uses, and fires the same
webhooks. Methods take parameters as decoded from Stripe's form encoding (strings, nested dicts
and lists) and raise `StripeError` with Stripe's codes and messages. Changes are made on a copy
and applied only once the whole request is valid, so a failing request changes nothing.

Scope, stated plainly: subscriptions have exactly one item; there are no invoices, payments,
trials or coupons. Requests that need those answer a 400 saying the stand-in does not support
them, rather than pretending.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from . import objects
from .clock import add_interval, now, period_containing
from .errors import (
    StripeError,
    invalid_request,
    not_supported,
    parameter_missing,
    resource_missing,
    url_invalid,
)
from .expand import public
from .ids import new_id
from .params import (
    as_bool,
    as_dict,
    as_enum,
    as_int,
    as_list,
    as_optional_str,
    as_str,
    as_str_list,
    is_absolute_http_url,
    merge_metadata,
    required_str,
)
from .store import Store, StripeState
from .webhooks import AUTOMATIC, Origin, Webhooks

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PRORATION_BEHAVIORS = ("always_invoice", "create_prorations", "none")
CANCELLATION_FEEDBACK = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)
ENDED_STATUSES = ("canceled", "incomplete_expired")
SUBSCRIPTION_STATUSES = (
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
)


def changed_attributes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Stripe's `previous_attributes`: the old value of every top-level field that changed."""
    return {key: copy.deepcopy(value) for key, value in before.items() if after.get(key) != value}


def optional_text(params: Mapping[str, Any], key: str) -> str | None:
    return as_optional_str(params, key)


def check_email(email: str | None, param: str = "email") -> None:
    if email is not None and not EMAIL_RE.match(email):
        raise StripeError(f"Invalid email address: {email}", code="email_invalid", param=param)


def check_url(value: Any, param: str) -> str:
    if not is_absolute_http_url(value):
        raise url_invalid(param)
    return value


class Billing:
    """The stand-in's behaviour over one store; the API routes and the pages share it."""

    def __init__(self, store: Store, webhooks: Webhooks, public_base: str) -> None:
        self.store = store
        self.webhooks = webhooks
        self.public_base = public_base.rstrip("/")

    @property
    def state(self) -> StripeState:
        """The current state (a reset replaces it, so never keep it)."""
        return self.store.state

    def publish(
        self, event_type: str, obj: dict[str, Any], origin: Origin, previous: dict | None = None
    ) -> None:
        self.webhooks.publish(event_type, public(obj), origin=origin, previous_attributes=previous)

    def commit(
        self, stored: dict[str, Any], draft: dict[str, Any], event_type: str, origin: Origin
    ) -> None:
        """Apply a fully validated draft to a stored object and publish what changed, if anything.
        Changes are made on drafts so that a request failing half-way changes nothing."""
        previous = changed_attributes(stored, draft)
        if not previous:
            return
        stored.clear()
        stored.update(draft)
        self.publish(event_type, stored, origin, previous)

    # --- lookups ----------------------------------------------------------------------------
    def get(
        self, collection: str, kind: str, object_id: Any, *, param: str = "id", status: int = 404
    ) -> dict[str, Any]:
        found = (
            getattr(self.state, collection).get(object_id) if isinstance(object_id, str) else None
        )
        if found is None:
            raise resource_missing(kind, str(object_id), param=param, status=status)
        return found

    def customer(self, customer_id: Any, *, param: str = "id", status: int = 404) -> dict[str, Any]:
        return self.get("customers", "customer", customer_id, param=param, status=status)

    def price(self, price_id: Any, *, param: str = "id", status: int = 404) -> dict[str, Any]:
        return self.get("prices", "price", price_id, param=param, status=status)

    def subscription(
        self, subscription_id: Any, *, param: str = "id", status: int = 404
    ) -> dict[str, Any]:
        return self.get(
            "subscriptions", "subscription", subscription_id, param=param, status=status
        )

    # --- customers --------------------------------------------------------------------------
    async def create_customer(
        self, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        email = optional_text(params, "email")
        check_email(email)
        metadata = merge_metadata({}, params.get("metadata", {}))
        locales = (
            as_str_list(params["preferred_locales"], "preferred_locales")
            if params.get("preferred_locales")
            else []
        )
        async with self.store.lock:
            customer = objects.customer(
                customer_id=new_id("cus_"),
                created=now(),
                email=email,
                name=optional_text(params, "name"),
                description=optional_text(params, "description"),
                phone=optional_text(params, "phone"),
                metadata=metadata,
                preferred_locales=locales,
            )
            self.state.customers[customer["id"]] = customer
            self.publish("customer.created", customer, origin)
        return customer

    async def update_customer(
        self, customer_id: str, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        async with self.store.lock:
            customer = self.customer(customer_id)
            draft = copy.deepcopy(customer)
            for key in ("email", "name", "description", "phone"):
                if key in params:
                    draft[key] = optional_text(params, key)
            if "email" in params:
                check_email(draft["email"])
            if "metadata" in params:
                draft["metadata"] = merge_metadata(draft["metadata"], params["metadata"])
            if "preferred_locales" in params:
                value = params["preferred_locales"]
                draft["preferred_locales"] = (
                    [] if value == "" else as_str_list(value, "preferred_locales")
                )
            self.commit(customer, draft, "customer.updated", origin)
        return customer

    # --- products and prices ----------------------------------------------------------------
    async def create_product(
        self, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        name = required_str(params, "name")
        product_id = optional_text(params, "id") or new_id("prod_")
        active = as_bool(params["active"], "active") if "active" in params else True
        metadata = merge_metadata({}, params.get("metadata", {}))
        default_price_data = (
            as_dict(params["default_price_data"], "default_price_data")
            if "default_price_data" in params
            else None
        )
        async with self.store.lock:
            if product_id in self.state.products:
                raise StripeError(
                    "Product already exists.", code="resource_already_exists", param="id"
                )
            created = now()
            product = objects.product(
                product_id=product_id,
                created=created,
                name=name,
                description=optional_text(params, "description"),
                active=active,
                metadata=metadata,
            )
            price = None
            if default_price_data is not None:
                price = self._build_price(
                    default_price_data, product_id, "default_price_data", created
                )
                product["default_price"] = price["id"]
            self.state.products[product_id] = product
            self.publish("product.created", product, origin)
            if price is not None:
                self.state.prices[price["id"]] = price
                self.publish("price.created", price, origin)
        return product

    def _build_price(
        self, params: Mapping[str, Any], product_id: str, prefix: str, created: int
    ) -> dict[str, Any]:
        def name(key: str) -> str:
            return f"{prefix}[{key}]" if prefix else key

        currency = required_str(params, "currency", name("currency")).lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise invalid_request(f"Invalid currency: {currency}", param=name("currency"))
        for unsupported in (
            "tiers",
            "custom_unit_amount",
            "currency_options",
            "transform_quantity",
        ):
            if unsupported in params:
                raise not_supported(f"prices with `{unsupported}`", param=name(unsupported))
        if "unit_amount" not in params:
            if "unit_amount_decimal" in params:
                raise not_supported(
                    "`unit_amount_decimal`; use `unit_amount`", param=name("unit_amount_decimal")
                )
            raise parameter_missing(name("unit_amount"))
        unit_amount = as_int(params["unit_amount"], name("unit_amount"), minimum=0)
        interval = None
        interval_count = 1
        if params.get("recurring"):
            recurring = as_dict(params["recurring"], name("recurring"))
            interval = as_enum(
                recurring.get("interval") or missing(name("recurring") + "[interval]"),
                name("recurring") + "[interval]",
                ("day", "month", "week", "year"),
            )
            if "interval_count" in recurring:
                interval_count = as_int(
                    recurring["interval_count"], name("recurring") + "[interval_count]", minimum=1
                )
            if recurring.get("usage_type") not in (None, "licensed"):
                raise not_supported("metered prices", param=name("recurring") + "[usage_type]")
        return objects.price(
            price_id=new_id("price_1"),
            created=created,
            product_id=product_id,
            currency=currency,
            unit_amount=unit_amount,
            interval=interval,
            interval_count=interval_count,
            nickname=optional_text(params, "nickname"),
            lookup_key=optional_text(params, "lookup_key"),
            active=as_bool(params["active"], name("active")) if "active" in params else True,
            metadata=merge_metadata({}, params.get("metadata", {}), name("metadata")),
        )

    async def create_price(
        self, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        async with self.store.lock:
            created = now()
            new_product = None
            if params.get("product"):
                product_id = as_str(params["product"], "product")
                self.get("products", "product", product_id, param="product", status=400)
            elif params.get("product_data"):
                data = as_dict(params["product_data"], "product_data")
                new_product = objects.product(
                    product_id=new_id("prod_"),
                    created=created,
                    name=required_str(data, "name", "product_data[name]"),
                    metadata=merge_metadata({}, data.get("metadata", {}), "product_data[metadata]"),
                )
                product_id = new_product["id"]
            else:
                raise parameter_missing("product")
            price = self._build_price(params, product_id, "", created)
            lookup_key = price["lookup_key"]
            if lookup_key:
                holder = next(
                    (p for p in self.state.prices.values() if p["lookup_key"] == lookup_key), None
                )
                if holder is not None:
                    if not as_bool(
                        params.get("transfer_lookup_key", "false"), "transfer_lookup_key"
                    ):
                        raise invalid_request(
                            f"A price (`{holder['id']}`) already uses that lookup key.",
                            param="lookup_key",
                        )
                    holder["lookup_key"] = None
            if new_product is not None:
                self.state.products[product_id] = new_product
                self.publish("product.created", new_product, origin)
            self.state.prices[price["id"]] = price
            self.publish("price.created", price, origin)
        return price

    # --- subscriptions ----------------------------------------------------------------------
    def recurring_price(self, price_id: Any, param: str) -> dict[str, Any]:
        price = self.price(as_str(price_id, param), param=param, status=400)
        if price["type"] != "recurring":
            raise invalid_request(
                "The price specified is set to `type=one_time` but this field only accepts prices "
                "with `type=recurring`.",
                param=param,
            )
        if not price["active"]:
            raise invalid_request(
                "The price specified is inactive. This field only accepts active prices.",
                param=param,
            )
        return price

    def new_subscription(
        self,
        customer: dict[str, Any],
        price: dict[str, Any],
        quantity: int,
        metadata: dict[str, str],
        description: str | None,
        item_metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        created = now()
        subscription_id = new_id("sub_1")
        recurring = price["recurring"]
        period_end = add_interval(created, recurring["interval"], recurring["interval_count"])
        item = objects.subscription_item(
            item_id=new_id("si_"),
            created=created,
            subscription_id=subscription_id,
            item_price=price,
            quantity=quantity,
            period_start=created,
            period_end=period_end,
            metadata=item_metadata,
        )
        subscription = objects.subscription(
            subscription_id=subscription_id,
            created=created,
            customer_id=customer["id"],
            currency=price["currency"],
            items=[item],
            billing_cycle_anchor=created,
            metadata=metadata,
            description=description,
        )
        return subscription

    def insert_subscription(
        self, subscription: dict[str, Any], customer: dict[str, Any], origin: Origin
    ) -> None:
        if customer["currency"] is None:
            customer["currency"] = subscription["currency"]
        self.state.subscriptions[subscription["id"]] = subscription
        self.publish("customer.subscription.created", subscription, origin)

    def _single_item(self, params: Mapping[str, Any]) -> dict[str, Any]:
        items = as_list(params.get("items") or missing("items"), "items")
        if len(items) != 1:
            raise not_supported("subscriptions with more than one item", param="items")
        item = as_dict(items[0], "items[0]")
        if "price_data" in item:
            raise not_supported(
                "`price_data`; create a price and pass its id", param="items[0][price_data]"
            )
        return item

    async def create_subscription(
        self, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        _reject_unsupported_subscription_params(params)
        item = self._single_item(params)
        quantity = as_int(item.get("quantity", "1"), "items[0][quantity]", minimum=1)
        metadata = merge_metadata({}, params.get("metadata", {}))
        item_metadata = merge_metadata({}, item.get("metadata", {}), "items[0][metadata]")
        async with self.store.lock:
            customer = self.customer(required_str(params, "customer"), param="customer", status=400)
            price = self.recurring_price(
                item.get("price") or missing("items[0][price]"), "items[0][price]"
            )
            subscription = self.new_subscription(
                customer,
                price,
                quantity,
                metadata,
                optional_text(params, "description"),
                item_metadata,
            )
            self._apply_cancellation_params(subscription, params)
            self.insert_subscription(subscription, customer, origin)
        return subscription

    def _apply_cancellation_params(
        self, subscription: dict[str, Any], params: Mapping[str, Any]
    ) -> None:
        """`cancel_at_period_end`, `cancel_at` and `cancellation_details`, with Stripe's rules."""
        at_period_end = (
            as_bool(params["cancel_at_period_end"], "cancel_at_period_end")
            if "cancel_at_period_end" in params
            else None
        )
        cancel_at = params.get("cancel_at")
        if at_period_end and cancel_at not in (None, ""):
            raise invalid_request(
                "You may only specify one of these parameters: cancel_at, cancel_at_period_end.",
                param="cancel_at",
            )
        period_end = subscription["items"]["data"][0]["current_period_end"]
        if "cancel_at" in params:
            if cancel_at == "":
                self._clear_cancellation(subscription)
            else:
                if cancel_at in ("min_period_end", "max_period_end", "max_billed_until"):
                    when = period_end
                else:
                    when = as_int(cancel_at, "cancel_at")
                    if when <= now():
                        raise invalid_request(
                            "The cancel_at date must be in the future.", param="cancel_at"
                        )
                subscription["cancel_at"] = when
                subscription["cancel_at_period_end"] = False
                subscription["canceled_at"] = now()
                subscription["cancellation_details"]["reason"] = "cancellation_requested"
        if at_period_end is True:
            subscription["cancel_at"] = period_end
            subscription["cancel_at_period_end"] = True
            subscription["canceled_at"] = now()
            subscription["cancellation_details"]["reason"] = "cancellation_requested"
        elif at_period_end is False and "cancel_at" not in params:
            self._clear_cancellation(subscription)
        if "cancellation_details" in params:
            self._apply_cancellation_details(subscription, params["cancellation_details"])

    @staticmethod
    def _clear_cancellation(subscription: dict[str, Any]) -> None:
        subscription["cancel_at"] = None
        subscription["cancel_at_period_end"] = False
        subscription["canceled_at"] = None
        subscription["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}

    @staticmethod
    def _apply_cancellation_details(subscription: dict[str, Any], given: Any) -> None:
        if given == "":
            subscription["cancellation_details"].update(comment=None, feedback=None)
            return
        details = as_dict(given, "cancellation_details")
        if "comment" in details:
            subscription["cancellation_details"]["comment"] = (
                as_str(details["comment"], "cancellation_details[comment]") or None
            )
        if "feedback" in details:
            feedback = details["feedback"]
            subscription["cancellation_details"]["feedback"] = (
                None
                if feedback == ""
                else as_enum(feedback, "cancellation_details[feedback]", CANCELLATION_FEEDBACK)
            )

    async def update_subscription(
        self, subscription_id: str, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        _reject_unsupported_subscription_params(params)
        if "proration_behavior" in params:
            as_enum(params["proration_behavior"], "proration_behavior", PRORATION_BEHAVIORS)
        async with self.store.lock:
            subscription = self.subscription(subscription_id)
            if subscription["status"] in ENDED_STATUSES:
                changes = set(params) - {
                    "metadata",
                    "cancellation_details",
                    "expand",
                    "proration_behavior",
                }
                if changes:
                    raise invalid_request(
                        "A canceled subscription can only update its cancellation_details and metadata.",
                        param=min(changes),
                    )
            draft = copy.deepcopy(subscription)
            if "items" in params:
                self._update_items(draft, as_list(params["items"], "items"))
            self._apply_cancellation_params(draft, params)
            if "metadata" in params:
                draft["metadata"] = merge_metadata(draft["metadata"], params["metadata"])
            if "description" in params:
                draft["description"] = optional_text(params, "description")
            self.commit(subscription, draft, "customer.subscription.updated", origin)
        return subscription

    def _update_items(self, subscription: dict[str, Any], items: list[Any]) -> None:
        current = subscription["items"]["data"]
        for index, given in enumerate(items):
            item_params = as_dict(given, f"items[{index}]")
            name = f"items[{index}]"
            if "id" not in item_params:
                raise not_supported(
                    "adding items to a subscription (one item per subscription); pass "
                    f"{name}[id] to change the existing item",
                    param=f"{name}[id]",
                )
            item_id = as_str(item_params["id"], f"{name}[id]")
            item = next((i for i in current if i["id"] == item_id), None)
            if item is None:
                raise resource_missing(
                    "subscription item", item_id, param=f"{name}[id]", status=400
                )
            if item_params.get("deleted") is not None and as_bool(
                item_params["deleted"], f"{name}[deleted]"
            ):
                raise not_supported(
                    "removing a subscription's only item; cancel the subscription instead",
                    param=f"{name}[deleted]",
                )
            if "price_data" in item_params:
                raise not_supported(
                    "`price_data`; create a price and pass its id", param=f"{name}[price_data]"
                )
            if "price" in item_params:
                price = self.recurring_price(item_params["price"], f"{name}[price]")
                if price["currency"] != subscription["currency"]:
                    raise invalid_request(
                        f"The price `{price['id']}` is in {price['currency']}, but this subscription "
                        f"is billed in {subscription['currency']}; currencies must match.",
                        param=f"{name}[price]",
                    )
                old = item["price"]["recurring"]
                new = price["recurring"]
                item["price"] = copy.deepcopy(price)
                item["plan"] = objects.plan(price)
                if (old["interval"], old["interval_count"]) != (
                    new["interval"],
                    new["interval_count"],
                ):
                    # A new billing interval starts a new period now, as on Stripe.
                    moment = now()
                    subscription["billing_cycle_anchor"] = moment
                    item["current_period_start"] = moment
                    item["current_period_end"] = add_interval(
                        moment, new["interval"], new["interval_count"]
                    )
                    if subscription["cancel_at_period_end"]:
                        subscription["cancel_at"] = item["current_period_end"]
            if "quantity" in item_params:
                item["quantity"] = as_int(item_params["quantity"], f"{name}[quantity]", minimum=1)
            if "metadata" in item_params:
                item["metadata"] = merge_metadata(
                    item["metadata"], item_params["metadata"], f"{name}[metadata]"
                )

    async def cancel_subscription(
        self, subscription_id: str, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        for flag in ("invoice_now", "prorate"):
            if flag in params:
                as_bool(params[flag], flag)
        async with self.store.lock:
            subscription = self.subscription(subscription_id)
            if subscription["status"] in ENDED_STATUSES:
                # Stripe treats a canceled subscription as gone for this call.
                raise resource_missing("subscription", subscription_id)
            draft = copy.deepcopy(subscription)
            moment = now()
            draft["status"] = "canceled"
            draft["canceled_at"] = moment
            draft["ended_at"] = moment
            draft["cancellation_details"]["reason"] = "cancellation_requested"
            if "cancellation_details" in params:
                self._apply_cancellation_details(draft, params["cancellation_details"])
            subscription.clear()
            subscription.update(draft)
            self.publish("customer.subscription.deleted", subscription, origin)
        return subscription

    # --- time passing -----------------------------------------------------------------------
    async def tick(self) -> None:
        """What time passing does to subscriptions: periods renew and scheduled cancellations
        take effect, with the webhooks Stripe sends for both."""
        async with self.store.lock:
            at = now()
            for subscription in self.state.subscriptions.values():
                if subscription["status"] in ENDED_STATUSES:
                    continue
                if subscription["cancel_at"] is not None and subscription["cancel_at"] <= at:
                    subscription["status"] = "canceled"
                    subscription["ended_at"] = subscription["cancel_at"]
                    subscription["canceled_at"] = (
                        subscription["canceled_at"] or subscription["cancel_at"]
                    )
                    subscription["cancellation_details"]["reason"] = "cancellation_requested"
                    self.publish("customer.subscription.deleted", subscription, AUTOMATIC)
                    continue
                item = subscription["items"]["data"][0]
                if item["current_period_end"] <= at:
                    before = copy.deepcopy(subscription)
                    recurring = item["price"]["recurring"]
                    start, end = period_containing(
                        subscription["billing_cycle_anchor"],
                        recurring["interval"],
                        recurring["interval_count"],
                        at,
                    )
                    item["current_period_start"], item["current_period_end"] = start, end
                    self.publish(
                        "customer.subscription.updated",
                        subscription,
                        AUTOMATIC,
                        changed_attributes(before, subscription),
                    )


def missing(param: str) -> Any:
    raise parameter_missing(param)


def _reject_unsupported_subscription_params(params: Mapping[str, Any]) -> None:
    for key in (
        "trial_period_days",
        "trial_end",
        "trial_from_plan",
        "billing_cycle_anchor",
        "backdate_start_date",
        "pause_collection",
        "add_invoice_items",
        "discounts",
    ):
        if params.get(key) not in (None, ""):
            raise not_supported(
                f"`{key}` on subscriptions (no trials, invoices or coupons here)", param=key
            )
    if params.get("payment_behavior") == "default_incomplete":
        raise not_supported(
            "`payment_behavior=default_incomplete` (subscriptions start active here)",
            param="payment_behavior",
        )
