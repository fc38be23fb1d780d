"""The customer portal: configurations, sessions (their flows are `portal_flows.py`), the links
sessions hand out, and their routes. The page behind a link is `pages/portal.py`."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import invalid_request
from ..ids import new_id, portal_secret
from ..params import (
    as_bool,
    as_dict,
    as_enum,
    as_str,
    as_url,
    documented_values,
    missing,
    required_str,
)
from ..routes import LIST_PARAMS, Call, Origin, Route, matching, page, retrieve
from . import customers
from .events import publish, publish_changes
from .portal_flows import check_flow

if TYPE_CHECKING:
    from ..account import Account

# A portal link must be opened within 5 minutes, as Stripe's must; opened, it works for an hour.
LINK_LIFETIME = 5 * 60
BROWSING_LIFETIME = 3600
LOCALES = documented_values("billing_portal.SessionCreateParams", "locale")
NO_PORTAL_SETTINGS = (
    "You can't create a portal session in test mode until you save your customer portal "
    "settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal."
)


def features_object() -> dict[str, Any]:
    """A configuration's `features`, all turned off. `subscription_update.products` is kept but
    shown only when a caller expands it, as Stripe does for that includable field."""
    return {
        "customer_update": {"allowed_updates": [], "enabled": False},
        "invoice_history": {"enabled": False},
        "payment_method_update": {"enabled": False, "payment_method_configuration": None},
        "subscription_cancel": {
            "cancellation_reason": {"enabled": False, "options": []},
            "enabled": False,
            "mode": "at_period_end",
            "proration_behavior": "none",
        },
        "subscription_update": {
            "billing_cycle_anchor": None,
            "default_allowed_updates": [],
            "enabled": False,
            "products": [],
            "proration_behavior": "none",
            "schedule_at_period_end": {"conditions": []},
            "trial_update_behavior": "end_trial",
        },
    }


def configuration_object(
    configuration_id: str,
    created: int,
    features: dict[str, Any],
    default_return_url: str | None,
    *,
    is_default: bool = False,
    headline: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    return {
        "id": configuration_id,
        "object": "billing_portal.configuration",
        "active": True,
        "application": None,
        "business_profile": {
            "headline": headline,
            "privacy_policy_url": None,
            "terms_of_service_url": None,
        },
        "created": created,
        "default_return_url": default_return_url,
        "features": features,
        "is_default": is_default,
        "livemode": False,
        "login_page": {"enabled": False, "url": None},
        "metadata": {},
        "name": name,
        "updated": created,
    }


def default_configuration(account: Account) -> dict[str, Any] | None:
    """The portal settings saved in the Dashboard, if any."""
    for configuration in account.state.portal_configurations.values():
        if configuration["is_default"]:
            return configuration
    return None


async def create_configuration(
    account: Account, params: Mapping[str, Any], origin: Origin
) -> dict[str, Any]:
    features = features_object()
    for name, given in as_dict(params.get("features") or missing("features"), "features").items():
        part = as_dict(given, f"features[{name}]")
        if "enabled" in part:
            features[name]["enabled"] = as_bool(part["enabled"], f"features[{name}][enabled]")
        if "mode" in part:  # subscription_cancel's
            modes = ("at_period_end", "immediately")
            features[name]["mode"] = as_enum(part["mode"], f"features[{name}][mode]", modes)
    return_url = params.get("default_return_url") or None
    if return_url is not None:
        as_url(return_url, "default_return_url")
    configuration = configuration_object(new_id("bpc_1"), account.now(), features, return_url)
    async with account.lock:
        account.state.portal_configurations[configuration["id"]] = configuration
        publish(account, "billing_portal.configuration.created", configuration, origin)
    return configuration


async def update_configuration(call: Call) -> dict[str, Any]:
    """`active` only: an inactive configuration can't make sessions."""
    async with call.account.lock:
        stored = call.account.get("portal_configurations", "configuration", call.path["id"])
        draft = copy.deepcopy(stored)
        if "active" in call.params:
            draft["active"] = as_bool(call.params["active"], "active")
        if draft != stored:
            draft["updated"] = call.account.now()
        event = "billing_portal.configuration.updated"
        publish_changes(call.account, stored, draft, event, call.origin)
    return stored


def session_object(
    customer_id: str,
    configuration_id: str,
    url: str,
    params: dict[str, Any],
    created: int,
) -> dict[str, Any]:
    """`params`: the session's `return_url`, `flow` and `locale`, as checked."""
    return {
        "id": new_id("bps_1"),
        "object": "billing_portal.session",
        "configuration": configuration_id,
        "created": created,
        "customer": customer_id,
        "customer_account": None,
        "flow": params["flow"],
        "livemode": False,
        "locale": params["locale"],
        "on_behalf_of": None,
        "return_url": params["return_url"],
        "url": url,
    }


async def create_session(
    account: Account, params: Mapping[str, Any], origin: Origin
) -> dict[str, Any]:
    """A session for the customer with the configuration named, or the saved default (which
    must be active); each session's `url` carries a fresh secret."""
    customer_id = required_str(params, "customer")
    return_url, locale = params.get("return_url"), params.get("locale")
    checked: dict[str, Any] = {
        "return_url": None if return_url is None else as_url(return_url, "return_url"),
        "locale": None if locale is None else as_enum(locale, "locale", LOCALES),
    }
    async with account.lock:
        customer = customers.find(account, customer_id, param="customer", status=400)
        if params.get("configuration"):
            configuration_id = as_str(params["configuration"], "configuration")
            configuration = account.get(
                "portal_configurations",
                "configuration",
                configuration_id,
                param="configuration",
                status=400,
            )
        else:
            configuration = default_configuration(account)
            if configuration is None:
                raise invalid_request(NO_PORTAL_SETTINGS)
        if not configuration["active"]:
            raise invalid_request(
                f"The configuration `{configuration['id']}` is not active.", param="configuration"
            )
        checked["flow"] = (
            check_flow(account, params["flow_data"], customer, configuration)
            if "flow_data" in params
            else None
        )
        secret = portal_secret()
        url = f"{account.public_base}/p/session/{secret}"
        session = session_object(customer["id"], configuration["id"], url, checked, account.now())
        account.state.add_portal_session(session, secret)
    return session


def link(account: Account, secret: str, at: int) -> tuple[dict[str, Any] | None, str]:
    """The portal session behind a URL secret and whether it is "ok", "expired" or "unknown".
    Opening the link marks it opened; after that it keeps working for an hour."""
    found = account.state.portal_links.get(secret)
    session = account.state.portal_sessions.get(found["session"]) if found else None
    if found is None or session is None:
        return None, "unknown"
    if found["opened_at"] is not None:
        return session, "ok" if at - found["opened_at"] <= BROWSING_LIFETIME else "expired"
    if at - found["created"] <= LINK_LIFETIME:
        found["opened_at"] = at
        return session, "ok"
    return session, "expired"


async def forget_old_links(account: Account) -> None:
    """Drop links long past any use, so the page says "not valid" rather than "expired"."""
    async with account.lock:
        horizon = account.now() - BROWSING_LIFETIME - LINK_LIFETIME
        links = account.state.portal_links
        for secret in [s for s, found in links.items() if found["created"] < horizon]:
            del links[secret]


ROUTES = (
    Route(
        "POST", "/v1/billing_portal/configurations", "billing_portal.ConfigurationCreateParams",
        (
            "default_return_url", "features.invoice_history.enabled",
            "features.subscription_cancel.enabled", "features.subscription_cancel.mode",
        ),
        lambda call: create_configuration(call.account, call.params, call.origin),
    ),
    Route(
        "GET", "/v1/billing_portal/configurations", "billing_portal.ConfigurationListParams",
        ("active", "is_default", *LIST_PARAMS),
        lambda call: page(
            call, "portal_configurations", "configuration",
            [*matching(call.params, "is_default", as_bool),
             *matching(call.params, "active", as_bool)],
        ),
    ),
    Route(
        "GET", "/v1/billing_portal/configurations/{id}",
        "billing_portal.ConfigurationRetrieveParams", (),
        retrieve("portal_configurations", "configuration"),
    ),
    Route(
        "POST", "/v1/billing_portal/configurations/{id}",
        "billing_portal.ConfigurationUpdateParams", ("active",), update_configuration,
    ),
    Route(
        "POST", "/v1/billing_portal/sessions", "billing_portal.SessionCreateParams",
        (
            "configuration", "customer", "flow_data.after_completion",
            "flow_data.subscription_cancel", "flow_data.subscription_update",
            "flow_data.subscription_update_confirm.items",
            "flow_data.subscription_update_confirm.subscription", "flow_data.type", "locale",
            "return_url",
        ),
        lambda call: create_session(call.account, call.params, call.origin),
    ),
)
