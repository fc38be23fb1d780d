"""What a fresh Stripe stand-in holds: the catalogue and the saved portal settings, with fixed,
readable ids."""

from __future__ import annotations

from typing import Any

from .clock import now
from .resources.catalogue import price_object, product_object
from .resources.portal import configuration_object, features_object
from .store import StripeState

# Docs, demo data and tests name these ids. Customers and subscriptions are not seeded here:
# `python -m devstack seed` creates them through the API. Pro also has a one-time setup fee,
# which plan pickers must leave out (they offer recurring prices only).
DEFAULT_CONFIGURATION = "bpc_devstack_default"
# Where the portal's "Return" link goes when a session names no return_url: the app's billing page.
DEFAULT_RETURN_URL = "http://localhost:3000/dashboard/settings/billing"
CATALOGUE: list[dict[str, Any]] = [
    {
        "id": "prod_devstack_pro",
        "name": "Pro",
        "description": "Everything for one person.",
        "prices": [  # (id, cents, interval or None for one-time, nickname, lookup key)
            ("price_devstack_pro_monthly", 2000, "month", "Pro Monthly", "pro_monthly"),
            ("price_devstack_pro_yearly", 19200, "year", "Pro Yearly", "pro_yearly"),
            ("price_devstack_pro_setup", 5000, None, "Pro Setup Fee", "pro_setup"),
        ],
    },
    {
        "id": "prod_devstack_team",
        "name": "Team",
        "description": "Pro for the whole team.",
        "prices": [
            ("price_devstack_team_monthly", 4900, "month", "Team Monthly", "team_monthly"),
        ],
    },
]


def default_configuration(created: int) -> dict[str, Any]:
    """The portal settings "saved in the Dashboard": cancel at period end, switch plans, cards."""
    features = features_object()
    features["customer_update"].update(enabled=True, allowed_updates=["email", "address"])
    features["invoice_history"]["enabled"] = True
    features["payment_method_update"]["enabled"] = True
    cancel = features["subscription_cancel"]
    cancel["enabled"] = True
    cancel["cancellation_reason"] = {
        "enabled": True,
        "options": ["too_expensive", "missing_features", "switched_service", "unused", "other"],
    }
    features["subscription_update"].update(
        enabled=True,
        default_allowed_updates=["price"],
        proration_behavior="create_prorations",
        products=[
            {
                "product": entry["id"],
                "prices": [price[0] for price in entry["prices"] if price[2]],
                "adjustable_quantity": {"enabled": False, "maximum": None, "minimum": 1},
            }
            for entry in CATALOGUE
        ],
    )
    return configuration_object(
        DEFAULT_CONFIGURATION,
        created,
        features,
        DEFAULT_RETURN_URL,
        is_default=True,
        headline="Devstack demo: manage your subscription",
        name="Devstack default",
    )


def fresh_state() -> StripeState:
    state = StripeState()
    created = now()
    for entry in CATALOGUE:
        state.products[entry["id"]] = product_object(
            entry["id"], created, entry["name"], entry["description"], entry["prices"][0][0]
        )
        for price_id, amount, interval, nickname, lookup_key in entry["prices"]:
            state.prices[price_id] = price_object(
                price_id, created, entry["id"], amount, interval, nickname, lookup_key
            )
    state.portal_configurations[DEFAULT_CONFIGURATION] = default_configuration(created)
    state.ticked_at = created
    return state
