"""Demo data, made through the stand-ins' own APIs with the real client libraries.

    demo@example.com  / demo-password   an active Pro monthly subscription: a Stripe customer and
                                        subscription, and the matching `user_subscriptions` row
    nosub@example.com / demo-password   signed up, no subscription row

`seed()` (re)creates both users from scratch. `create_subscriber()` is also what the benchmark
uses to make its many distinct subscribed users. Rows are built by the app's own mapping
(`billing_app.billing.subscription`), the one the webhook handler writes with.
"""

from __future__ import annotations

from datetime import UTC, datetime

import stripe
from supabase import Client, ClientOptions, create_client

from billing_app.billing.subscription import EXPAND, Subscription
from devstack.config import StackConfig

DEMO_PASSWORD = "demo-password"
DEMO_EMAIL = "demo@example.com"
NOSUB_EMAIL = "nosub@example.com"
DEMO_PRICE = "price_devstack_pro_monthly"


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


def create_subscriber(
    admin: Client, sk: stripe.StripeClient, email: str,
    price: str = DEMO_PRICE, password: str = DEMO_PASSWORD,
) -> dict:
    """A user with a Stripe customer, an active subscription and its row. Returns the row."""
    user_id = recreate_user(admin, email, password)
    existing = sk.v1.customers.list(params={"email": email, "limit": 100}).data
    for old in existing:
        for sub in sk.v1.subscriptions.list(params={"customer": old.id, "limit": 100}).data:
            sk.v1.subscriptions.cancel(sub.id)
    customer = sk.v1.customers.create(params={"email": email, "metadata": {"user_id": user_id}})
    created = sk.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": price}],
            "metadata": {"user_id": user_id},
        }
    )
    sub = sk.v1.subscriptions.retrieve(created.id, params={"expand": EXPAND})
    row = Subscription.from_stripe(user_id, sub).to_row(synced_at=datetime.now(UTC))
    admin.table("user_subscriptions").upsert(row).execute()
    return row


def seed(config: StackConfig) -> dict[str, str]:
    """(Re)create the demo accounts. Returns email -> user id."""
    admin = admin_client(config)
    sk = stripe_client(config)
    demo = create_subscriber(admin, sk, DEMO_EMAIL)
    nosub = recreate_user(admin, NOSUB_EMAIL)
    return {DEMO_EMAIL: demo["user_id"], NOSUB_EMAIL: nosub}
