"""The customer portal: configurations, sessions with their flows, and the links they hand out.

A session needs a customer and a configuration: the one named, or the saved default. Without a
saved default, Stripe's test-mode message answers (`NO_PORTAL_SETTINGS`); devstack's control
routes can remove and restore the default to show it. `flow_data` is checked as Stripe checks it
(the subscription must be the customer's, the feature enabled) and echoed in `flow`.

Each session's `url` carries a fresh secret. The link must be opened within 5 minutes, as
Stripe's must; once opened it works for an hour. The page itself is in `pages.py`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from . import objects
from .billing import (
    CANCELLATION_FEEDBACK,
    ENDED_STATUSES,
    PRORATION_BEHAVIORS,
    Billing,
    changed_attributes,
    check_url,
    missing,
    optional_text,
)
from .clock import now
from .errors import invalid_request, not_supported, parameter_missing, resource_missing
from .ids import new_id, portal_secret
from .params import (
    as_bool,
    as_dict,
    as_enum,
    as_int,
    as_list,
    as_str,
    as_str_list,
    merge_metadata,
    required_str,
)
from .seed import default_configuration as seeded_default_configuration
from .webhooks import AUTOMATIC, Origin

# A portal link must be opened within 5 minutes; once opened, it works for an hour.
PORTAL_LINK_LIFETIME = 5 * 60
PORTAL_BROWSING_LIFETIME = 3600
PORTAL_FLOW_TYPES = (
    "payment_method_update",
    "subscription_cancel",
    "subscription_update",
    "subscription_update_confirm",
)
NO_PORTAL_SETTINGS = (
    "You can't create a portal session in test mode until you save your customer portal "
    "settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal."
)


class Portal:
    """Portal configurations and sessions over the shared `Billing` core."""

    def __init__(self, billing: Billing) -> None:
        self.billing = billing

    def default_configuration(self) -> dict[str, Any] | None:
        for configuration in self.billing.state.portal_configurations.values():
            if configuration["is_default"]:
                return configuration
        return None

    # --- configurations -----------------------------------------------------------------------
    def _features(self, given: Any, current: dict[str, Any] | None) -> dict[str, Any]:
        features = copy.deepcopy(current) if current else objects.portal_features()
        given = as_dict(given, "features")
        for name in (
            "customer_update",
            "invoice_history",
            "payment_method_update",
            "subscription_cancel",
            "subscription_update",
        ):
            if name not in given:
                continue
            part = as_dict(given[name], f"features[{name}]")
            target = features[name]
            prefix = f"features[{name}]"
            if "enabled" in part:
                target["enabled"] = as_bool(part["enabled"], f"{prefix}[enabled]")
            if name == "customer_update" and "allowed_updates" in part:
                value = part["allowed_updates"]
                target["allowed_updates"] = (
                    []
                    if value == ""
                    else [
                        as_enum(
                            v,
                            f"{prefix}[allowed_updates]",
                            ("address", "email", "name", "phone", "shipping", "tax_id"),
                        )
                        for v in as_list(value, f"{prefix}[allowed_updates]")
                    ]
                )
            if name == "subscription_cancel":
                if "mode" in part:
                    target["mode"] = as_enum(
                        part["mode"], f"{prefix}[mode]", ("at_period_end", "immediately")
                    )
                if "proration_behavior" in part:
                    target["proration_behavior"] = as_enum(
                        part["proration_behavior"],
                        f"{prefix}[proration_behavior]",
                        PRORATION_BEHAVIORS,
                    )
                if "cancellation_reason" in part:
                    reason = as_dict(part["cancellation_reason"], f"{prefix}[cancellation_reason]")
                    if "enabled" in reason:
                        target["cancellation_reason"]["enabled"] = as_bool(
                            reason["enabled"], f"{prefix}[cancellation_reason][enabled]"
                        )
                    if "options" in reason:
                        options = reason["options"]
                        target["cancellation_reason"]["options"] = (
                            []
                            if options == ""
                            else [
                                as_enum(
                                    o,
                                    f"{prefix}[cancellation_reason][options]",
                                    CANCELLATION_FEEDBACK,
                                )
                                for o in as_list(options, f"{prefix}[cancellation_reason][options]")
                            ]
                        )
            if name == "subscription_update":
                if "default_allowed_updates" in part:
                    value = part["default_allowed_updates"]
                    target["default_allowed_updates"] = (
                        []
                        if value == ""
                        else [
                            as_enum(
                                v,
                                f"{prefix}[default_allowed_updates]",
                                ("price", "promotion_code", "quantity"),
                            )
                            for v in as_list(value, f"{prefix}[default_allowed_updates]")
                        ]
                    )
                if "proration_behavior" in part:
                    target["proration_behavior"] = as_enum(
                        part["proration_behavior"],
                        f"{prefix}[proration_behavior]",
                        PRORATION_BEHAVIORS,
                    )
                if "products" in part:
                    target["products"] = self._portal_products(
                        part["products"], f"{prefix}[products]"
                    )
        return features

    def _portal_products(self, given: Any, param: str) -> list[dict[str, Any]]:
        if given == "":
            return []
        products = []
        for index, entry in enumerate(as_list(given, param)):
            entry = as_dict(entry, f"{param}[{index}]")
            product_id = required_str(entry, "product", f"{param}[{index}][product]")
            self.billing.get(
                "products", "product", product_id, param=f"{param}[{index}][product]", status=400
            )
            prices = as_str_list(
                entry.get("prices") or missing(f"{param}[{index}][prices]"),
                f"{param}[{index}][prices]",
            )
            for p_index, price_id in enumerate(prices):
                price = self.billing.price(
                    price_id, param=f"{param}[{index}][prices][{p_index}]", status=400
                )
                if price["product"] != product_id:
                    raise invalid_request(
                        f"The price `{price_id}` does not belong to the product `{product_id}`.",
                        param=f"{param}[{index}][prices][{p_index}]",
                    )
            products.append(
                {
                    "product": product_id,
                    "prices": prices,
                    "adjustable_quantity": {"enabled": False, "maximum": None, "minimum": 1},
                }
            )
        return products

    def _business_profile(self, given: Any, current: dict[str, Any]) -> dict[str, Any]:
        profile = dict(current)
        for key, value in as_dict(given, "business_profile").items():
            param = f"business_profile[{key}]"
            if value == "":
                profile[key] = None
            elif key in ("privacy_policy_url", "terms_of_service_url"):
                profile[key] = check_url(value, param)
            else:
                profile[key] = as_str(value, param)
        return profile

    async def create_configuration(
        self, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        if "features" not in params:
            raise parameter_missing("features")
        async with self.billing.store.lock:
            features = self._features(params["features"], None)
            default_return_url = (
                check_url(params["default_return_url"], "default_return_url")
                if params.get("default_return_url")
                else None
            )
            configuration = objects.portal_configuration(
                configuration_id=new_id("bpc_1"),
                created=now(),
                features=features,
                business_profile=self._business_profile(
                    params.get("business_profile", {}),
                    {"headline": None, "privacy_policy_url": None, "terms_of_service_url": None},
                ),
                default_return_url=default_return_url,
                is_default=False,
                metadata=merge_metadata({}, params.get("metadata", {})),
                name=optional_text(params, "name"),
                login_page_enabled=as_bool(
                    as_dict(params["login_page"], "login_page").get("enabled", "false"),
                    "login_page[enabled]",
                )
                if "login_page" in params
                else False,
            )
            self.billing.state.portal_configurations[configuration["id"]] = configuration
            self.billing.publish("billing_portal.configuration.created", configuration, origin)
        return configuration

    async def update_configuration(
        self, configuration_id: str, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        async with self.billing.store.lock:
            stored = self.billing.get("portal_configurations", "configuration", configuration_id)
            configuration = copy.deepcopy(stored)
            if "active" in params:
                active = as_bool(params["active"], "active")
                if not active and configuration["is_default"]:
                    raise invalid_request(
                        "You can't deactivate the default configuration.", param="active"
                    )
                configuration["active"] = active
            if "features" in params:
                configuration["features"] = self._features(
                    params["features"], configuration["features"]
                )
            if "business_profile" in params:
                configuration["business_profile"] = self._business_profile(
                    params["business_profile"], configuration["business_profile"]
                )
            if "default_return_url" in params:
                value = params["default_return_url"]
                configuration["default_return_url"] = (
                    None if value == "" else check_url(value, "default_return_url")
                )
            if "metadata" in params:
                configuration["metadata"] = merge_metadata(
                    configuration["metadata"], params["metadata"]
                )
            if "name" in params:
                configuration["name"] = optional_text(params, "name")
            if "login_page" in params:
                enabled = as_bool(
                    as_dict(params["login_page"], "login_page").get("enabled", "false"),
                    "login_page[enabled]",
                )
                configuration["login_page"]["enabled"] = enabled
            if changed_attributes(stored, configuration):
                configuration["updated"] = now()
            self.billing.commit(
                stored, configuration, "billing_portal.configuration.updated", origin
            )
        return stored

    def remove_default_configuration(self) -> str | None:
        """Make the account look as if its portal settings were never saved (a test aid)."""
        default = self.default_configuration()
        if default is None:
            return None
        del self.billing.state.portal_configurations[default["id"]]
        self.billing.state.removed_default_configuration = default
        self.billing.store.changed()
        return default["id"]

    def restore_default_configuration(self) -> dict[str, Any]:
        default = self.default_configuration()
        if default is None:
            default = self.billing.state.removed_default_configuration or (
                seeded_default_configuration(now())
            )
            self.billing.state.portal_configurations[default["id"]] = default
            self.billing.state.removed_default_configuration = None
            self.billing.store.changed()
        return default

    # --- sessions -----------------------------------------------------------------------------
    async def create_session(
        self, params: Mapping[str, Any], origin: Origin = AUTOMATIC
    ) -> dict[str, Any]:
        customer_id = required_str(params, "customer")
        return_url = (
            check_url(params["return_url"], "return_url") if "return_url" in params else None
        )
        if params.get("on_behalf_of"):
            raise not_supported("Connect (`on_behalf_of`)", param="on_behalf_of")
        async with self.billing.store.lock:
            customer = self.billing.customer(customer_id, param="customer", status=400)
            if params.get("configuration"):
                configuration_id = as_str(params["configuration"], "configuration")
                configuration = self.billing.get(
                    "portal_configurations",
                    "configuration",
                    configuration_id,
                    param="configuration",
                    status=400,
                )
                if not configuration["active"]:
                    raise invalid_request(
                        f"The configuration `{configuration_id}` is inactive; activate it or pass another.",
                        param="configuration",
                    )
            else:
                configuration = self.default_configuration()
                if configuration is None:
                    raise invalid_request(NO_PORTAL_SETTINGS)
            flow = (
                self._portal_flow(params["flow_data"], customer, configuration)
                if "flow_data" in params
                else None
            )
            secret = portal_secret()
            session = objects.portal_session(
                session_id=new_id("bps_1"),
                created=now(),
                customer_id=customer["id"],
                configuration_id=configuration["id"],
                url=f"{self.billing.public_base}/p/session/{secret}",
                return_url=return_url,
                flow=flow,
                locale=optional_text(params, "locale"),
            )
            self.billing.state.add_portal_session(session, secret)
        return session

    def _flow_subscription(
        self, flow_data: Mapping[str, Any], flow_type: str, customer: dict[str, Any]
    ) -> dict[str, Any]:
        part = as_dict(
            flow_data.get(flow_type) or missing(f"flow_data[{flow_type}]"),
            f"flow_data[{flow_type}]",
        )
        param = f"flow_data[{flow_type}][subscription]"
        subscription = self.billing.subscription(
            required_str(part, "subscription", param), param=param, status=400
        )
        if subscription["customer"] != customer["id"]:
            raise invalid_request(
                f"The subscription `{subscription['id']}` does not belong to the customer `{customer['id']}`.",
                param=param,
            )
        if subscription["status"] in ENDED_STATUSES:
            raise invalid_request(
                f"The subscription `{subscription['id']}` has been canceled and can't be changed in the portal.",
                param=param,
            )
        return subscription

    def _portal_flow(
        self, given: Any, customer: dict[str, Any], configuration: dict[str, Any]
    ) -> dict[str, Any]:
        flow_data = as_dict(given, "flow_data")
        flow_type = as_enum(
            flow_data.get("type") or missing("flow_data[type]"),
            "flow_data[type]",
            PORTAL_FLOW_TYPES + ("customer_update", "subscription_pause"),
        )
        if flow_type not in PORTAL_FLOW_TYPES:
            raise not_supported(f"the `{flow_type}` portal flow", param="flow_data[type]")
        features = configuration["features"]
        flow: dict[str, Any] = {
            "after_completion": self._after_completion(flow_data.get("after_completion")),
            "subscription_cancel": None,
            "subscription_update": None,
            "subscription_update_confirm": None,
            "type": flow_type,
        }
        if (
            flow_type == "payment_method_update"
            and not features["payment_method_update"]["enabled"]
        ):
            raise invalid_request(
                "This flow cannot be used because the payment method update feature is disabled in the portal configuration.",
                param="flow_data[type]",
            )
        if flow_type == "subscription_cancel":
            if not features["subscription_cancel"]["enabled"]:
                raise invalid_request(
                    "This flow cannot be used because the subscription cancel feature is disabled in the portal configuration.",
                    param="flow_data[type]",
                )
            subscription = self._flow_subscription(flow_data, flow_type, customer)
            if subscription["cancel_at_period_end"] or subscription["cancel_at"]:
                raise invalid_request(
                    f"The subscription `{subscription['id']}` is already set to be canceled.",
                    param="flow_data[subscription_cancel][subscription]",
                )
            retention = as_dict(flow_data[flow_type], "flow_data[subscription_cancel]").get(
                "retention"
            )
            if retention:
                raise not_supported(
                    "cancellation retention offers (coupons)",
                    param="flow_data[subscription_cancel][retention]",
                )
            flow["subscription_cancel"] = {"retention": None, "subscription": subscription["id"]}
        if (
            flow_type in ("subscription_update", "subscription_update_confirm")
            and not features["subscription_update"]["enabled"]
        ):
            raise invalid_request(
                "This flow cannot be used because the subscription update feature is disabled in the portal configuration.",
                param="flow_data[type]",
            )
        if flow_type == "subscription_update":
            subscription = self._flow_subscription(flow_data, flow_type, customer)
            flow["subscription_update"] = {"subscription": subscription["id"]}
        if flow_type == "subscription_update_confirm":
            subscription = self._flow_subscription(flow_data, flow_type, customer)
            part = as_dict(flow_data[flow_type], "flow_data[subscription_update_confirm]")
            param = "flow_data[subscription_update_confirm][items]"
            items = as_list(part.get("items") or missing(param), param)
            shown_items = []
            own_ids = {i["id"] for i in subscription["items"]["data"]}
            for index, entry in enumerate(items):
                entry = as_dict(entry, f"{param}[{index}]")
                item_id = required_str(entry, "id", f"{param}[{index}][id]")
                if item_id not in own_ids:
                    raise resource_missing(
                        "subscription item", item_id, param=f"{param}[{index}][id]", status=400
                    )
                price_id = None
                if "price" in entry:
                    price_id = self.billing.recurring_price(
                        entry["price"], f"{param}[{index}][price]"
                    )["id"]
                quantity = (
                    as_int(entry["quantity"], f"{param}[{index}][quantity]", minimum=1)
                    if "quantity" in entry
                    else None
                )
                shown = {"id": item_id, "price": price_id}
                if quantity is not None:
                    shown["quantity"] = quantity
                shown_items.append(shown)
            if part.get("discounts"):
                raise not_supported(
                    "discounts in portal flows",
                    param="flow_data[subscription_update_confirm][discounts]",
                )
            flow["subscription_update_confirm"] = {
                "discounts": None,
                "items": shown_items,
                "subscription": subscription["id"],
            }
        return flow

    @staticmethod
    def _after_completion(given: Any) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "hosted_confirmation": None,
            "redirect": None,
            "type": "portal_homepage",
        }
        if not given:
            return shown
        after = as_dict(given, "flow_data[after_completion]")
        kind = as_enum(
            after.get("type") or missing("flow_data[after_completion][type]"),
            "flow_data[after_completion][type]",
            ("hosted_confirmation", "portal_homepage", "redirect"),
        )
        shown["type"] = kind
        if kind == "redirect":
            redirect = as_dict(
                after.get("redirect") or missing("flow_data[after_completion][redirect]"),
                "flow_data[after_completion][redirect]",
            )
            param = "flow_data[after_completion][redirect][return_url]"
            shown["redirect"] = {
                "return_url": check_url(redirect.get("return_url") or missing(param), param)
            }
        if kind == "hosted_confirmation":
            confirmation = as_dict(
                after.get("hosted_confirmation") or {},
                "flow_data[after_completion][hosted_confirmation]",
            )
            shown["hosted_confirmation"] = {
                "custom_message": optional_text(confirmation, "custom_message")
            }
        return shown

    def link(self, secret: str, at: int) -> tuple[dict[str, Any] | None, str]:
        """The portal session behind a URL secret and whether it is "ok", "expired" or "unknown".

        Opening the link marks it opened; after that it keeps working for an hour."""
        link = self.billing.state.portal_links.get(secret)
        if link is None:
            return None, "unknown"
        session = self.billing.state.portal_sessions.get(link["session"])
        if session is None:
            return None, "unknown"
        if link["opened_at"] is not None:
            if at - link["opened_at"] <= PORTAL_BROWSING_LIFETIME:
                return session, "ok"
            return session, "expired"
        if at - link["created"] <= PORTAL_LINK_LIFETIME:
            link["opened_at"] = at
            return session, "ok"
        return session, "expired"

    async def forget_old_links(self) -> None:
        """Drop links long past any use, so the page says "not valid" rather than "expired"."""
        async with self.billing.store.lock:
            horizon = now() - PORTAL_BROWSING_LIFETIME - PORTAL_LINK_LIFETIME
            links = self.billing.state.portal_links
            for secret in [s for s, link in links.items() if link["created"] < horizon]:
                del links[secret]
