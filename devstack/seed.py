"""Demo data, made through the stand-ins' own APIs with the real client libraries: the accounts
in `DEMO_ACCOUNTS`, all with the password `demo-password`.

`seed()` (re)creates them from scratch. `create_subscriber()` is also what the benchmark and the
tests use to make distinct subscribed users. Rows are built by the app's own mapping
(`billing_app.billing.subscription`), the one the webhook handler writes with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import stripe
from supabase import Client, ClientOptions, create_client

from billing_app.billing.subscription import EXPAND, Subscription
from devstack.config import StackConfig

DEMO_PASSWORD = "demo-password"
DEMO_EMAIL = "demo@example.com"
NOSUB_EMAIL = "nosub@example.com"
PASTDUE_EMAIL = "pastdue@example.com"
CANCELING_EMAIL = "canceling@example.com"
TRIALING_EMAIL = "trialing@example.com"
DEMO_PRICE = "price_devstack_pro_monthly"
# Stripe's test payment methods: one that pays, one that attaches but is always declined.
VISA = "pm_card_visa"
DECLINING_CARD = "pm_card_chargeCustomerFail"
TRIAL_DAYS = 3
# What each demo account has; `make run` prints this and the README lists it.
DEMO_ACCOUNTS = {
    DEMO_EMAIL: "active Pro monthly, paid with Visa •••• 4242 (a paid invoice)",
    PASTDUE_EMAIL: "past due: its latest invoice failed on the declining Visa •••• 0341",
    CANCELING_EMAIL: "active, canceling at the end of the period",
    TRIALING_EMAIL: f"trialing, the trial ends in {TRIAL_DAYS} days",
    NOSUB_EMAIL: "no subscription",
}


def project_client(config: StackConfig, role: str) -> Client:
    """A supabase-py client on the project's key for `role` (anon or service_role).

    supabase-py also sends its key as `Authorization: Bearer <key>` until a user signs in. A
    legacy key is a JWT and may go there; a new `sb_` key may not (the gateway refuses it), so
    for new keys that header is taken out and the key rides in `apikey` alone. Signing in
    still sets the user's own Bearer token."""
    client = create_client(
        config.supabase_url,
        config.api_key(role),
        options=ClientOptions(auto_refresh_token=False, persist_session=False),
    )
    if not config.legacy_keys:
        for headers in (client.options.headers, client.auth._headers, client.auth.admin._headers):
            headers.pop("Authorization", None)
    return client


def admin_client(config: StackConfig) -> Client:
    """A service-role Supabase client that never signs in (so its headers never change)."""
    return project_client(config, "service_role")


def stripe_client(config: StackConfig) -> stripe.StripeClient:
    return stripe.StripeClient(
        config.secrets.stripe_secret_key,
        base_addresses={"api": config.stripe_api_base},
    )


def recreate_user(admin: Client, email: str, password: str = DEMO_PASSWORD) -> str:
    """Delete `email` if it exists (its row goes with it), then sign it up afresh. Returns its id."""
    page = 1
    while True:
        users = admin.auth.admin.list_users(page=page, per_page=1000)
        for user in users:
            if user.email == email:
                admin.auth.admin.delete_user(user.id)
        if len(users) < 1000:
            break
        page += 1
    created = admin.auth.admin.create_user(
        {"email": email, "password": password, "email_confirm": True}
    )
    return created.user.id


def write_row(admin: Client, sk: stripe.StripeClient, user_id: str, subscription_id: str) -> dict:
    """The user's row as the app maps Stripe's subscription. Returns the row."""
    sub = sk.v1.subscriptions.retrieve(subscription_id, params={"expand": EXPAND})
    row = Subscription.from_stripe(user_id, sub).to_row(synced_at=datetime.now(UTC))
    admin.table("user_subscriptions").upsert(row).execute()
    return row


def create_subscriber(
    admin: Client, sk: stripe.StripeClient, email: str,
    price: str = DEMO_PRICE, password: str = DEMO_PASSWORD, card: str = VISA,
    **subscription: Any,
) -> dict:
    """A user with a Stripe customer paying with the test `card` by default, a subscription to
    `price` (with more create parameters in `subscription`) and its row. Earlier subscriptions
    of customers with this email are canceled. Returns the row."""
    user_id = recreate_user(admin, email, password)
    existing = sk.v1.customers.list(params={"email": email, "limit": 100}).data
    for old in existing:
        for sub in sk.v1.subscriptions.list(params={"customer": old.id, "limit": 100}).data:
            sk.v1.subscriptions.cancel(sub.id)
    customer = sk.v1.customers.create(params={
        "email": email,
        "metadata": {"user_id": user_id},
        "payment_method": card,
        "invoice_settings": {"default_payment_method": card},
    })
    created = sk.v1.subscriptions.create(params={
        "customer": customer.id,
        "items": [{"price": price}],
        "metadata": {"user_id": user_id},
        **subscription,
    })
    return write_row(admin, sk, user_id, created.id)


def make_past_due(admin: Client, sk: stripe.StripeClient, row: dict) -> dict:
    """Make the subscriber's latest payment fail: the declining card becomes their default and
    the billing cycle restarts now without proration, so Stripe invoices a new period at once
    and charges that card; with `payment_behavior=allow_incomplete` (the default) the
    subscription turns `past_due` and the invoice stays open. Returns the new row."""
    customer = row["stripe_customer_id"]
    card = sk.v1.payment_methods.attach(DECLINING_CARD, params={"customer": customer})
    sk.v1.customers.update(
        customer, params={"invoice_settings": {"default_payment_method": card.id}}
    )
    sk.v1.subscriptions.update(
        row["stripe_subscription_id"],
        params={"billing_cycle_anchor": {"type": "now"}, "proration_behavior": "none"},
    )
    return write_row(admin, sk, row["user_id"], row["stripe_subscription_id"])


def seed(config: StackConfig) -> dict[str, str]:
    """(Re)create the demo accounts. Returns email -> user id."""
    admin = admin_client(config)
    sk = stripe_client(config)
    rows = {
        DEMO_EMAIL: create_subscriber(admin, sk, DEMO_EMAIL),
        PASTDUE_EMAIL: make_past_due(admin, sk, create_subscriber(admin, sk, PASTDUE_EMAIL)),
        CANCELING_EMAIL: create_subscriber(admin, sk, CANCELING_EMAIL, cancel_at_period_end=True),
        TRIALING_EMAIL: create_subscriber(
            admin, sk, TRIALING_EMAIL, trial_period_days=TRIAL_DAYS
        ),
    }
    users = {email: row["user_id"] for email, row in rows.items()}
    users[NOSUB_EMAIL] = recreate_user(admin, NOSUB_EMAIL)
    return users
