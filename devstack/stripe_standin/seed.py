"""What a fresh Stripe stand-in starts with: the catalogue and the saved portal settings.

The ids are fixed and readable so that docs, demo data and tests can name them:

    prod_devstack_pro    "Pro"    price_devstack_pro_monthly   $20.00 / month  lookup key pro_monthly
                                  price_devstack_pro_yearly   $192.00 / year   lookup key pro_yearly
    prod_devstack_team   "Team"   price_devstack_team_monthly  $49.00 / month  lookup key team_monthly
    bpc_devstack_default          the saved default customer-portal configuration

Customers and subscriptions are not seeded here; `python -m devstack seed` creates the demo
customer through the API like any client would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import objects

if TYPE_CHECKING:
    from .store import StripeState

PRO_PRODUCT = "prod_devstack_pro"
TEAM_PRODUCT = "prod_devstack_team"
PRO_MONTHLY = "price_devstack_pro_monthly"
PRO_YEARLY = "price_devstack_pro_yearly"
TEAM_MONTHLY = "price_devstack_team_monthly"
DEFAULT_CONFIGURATION = "bpc_devstack_default"
# Where the portal's "Return" link goes when a session names no return_url: the app's billing page.
DEFAULT_RETURN_URL = "http://localhost:3000/dashboard/settings/billing"

CATALOGUE: list[dict[str, Any]] = [
    {
        "id": PRO_PRODUCT,
        "name": "Pro",
        "description": "Everything for one person.",
        "prices": [
            {
                "id": PRO_MONTHLY,
                "amount": 2000,
                "interval": "month",
                "nickname": "Pro Monthly",
                "lookup_key": "pro_monthly",
            },
            {
                "id": PRO_YEARLY,
                "amount": 19200,
                "interval": "year",
                "nickname": "Pro Yearly",
                "lookup_key": "pro_yearly",
            },
        ],
    },
    {
        "id": TEAM_PRODUCT,
        "name": "Team",
        "description": "Pro for the whole team.",
        "prices": [
            {
                "id": TEAM_MONTHLY,
                "amount": 4900,
                "interval": "month",
                "nickname": "Team Monthly",
                "lookup_key": "team_monthly",
            },
        ],
    },
]


def default_configuration(created: int) -> dict[str, Any]:
    """The portal settings "saved in the Dashboard": cancel at period end, switch plans, cards."""
    features = objects.portal_features(
        customer_update_enabled=True,
        allowed_updates=["email", "address"],
        invoice_history_enabled=True,
        payment_method_update_enabled=True,
        cancel_enabled=True,
        cancel_mode="at_period_end",
        cancel_proration_behavior="none",
        cancellation_reason_enabled=True,
        cancellation_reason_options=[
            "too_expensive",
            "missing_features",
            "switched_service",
            "unused",
            "other",
        ],
        update_enabled=True,
        default_allowed_updates=["price"],
        update_proration_behavior="create_prorations",
        products=[
            {
                "product": entry["id"],
                "prices": [p["id"] for p in entry["prices"]],
                "adjustable_quantity": {"enabled": False, "maximum": None, "minimum": 1},
            }
            for entry in CATALOGUE
        ],
    )
    return objects.portal_configuration(
        configuration_id=DEFAULT_CONFIGURATION,
        created=created,
        features=features,
        business_profile={
            "headline": "Devstack demo: manage your subscription",
            "privacy_policy_url": None,
            "terms_of_service_url": None,
        },
        default_return_url=DEFAULT_RETURN_URL,
        is_default=True,
        metadata={},
        name="Devstack default",
    )


def seed_state(state: StripeState, created: int) -> None:
    for entry in CATALOGUE:
        state.products[entry["id"]] = objects.product(
            product_id=entry["id"],
            created=created,
            name=entry["name"],
            description=entry["description"],
            default_price=entry["prices"][0]["id"],
        )
        for spec in entry["prices"]:
            state.prices[spec["id"]] = objects.price(
                price_id=spec["id"],
                created=created,
                product_id=entry["id"],
                currency="usd",
                unit_amount=spec["amount"],
                interval=spec["interval"],
                nickname=spec["nickname"],
                lookup_key=spec["lookup_key"],
            )
    state.portal_configurations[DEFAULT_CONFIGURATION] = default_configuration(created)
