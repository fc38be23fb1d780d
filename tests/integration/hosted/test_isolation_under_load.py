"""100 distinct users click Manage Subscription at the same moment: each gets a portal session
for their own Stripe customer and nobody else's.

Every user has their own customer at the Stripe stand-in and their own row; the 100 requests
are released together. Whose customer each session was made for is read from the stand-in's own
record of sessions, not from the app's answers. (The RLS policies themselves are tested in
tests/integration/schema/test_rls.py.)
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
import uuid

import httpx

from devstack.config import StackConfig
from tests.helpers import Devstack, RunningApp, sign_in

USERS = 100
PASSWORD = "load-password"
# Generous for 2 shared cores; measured well below this (see the printed timing).
ALL_ANSWERED_WITHIN_S = 60.0


def make_subscriber(admin, stripe_client, stack: StackConfig, n: int) -> dict:
    email = f"load-{n}-{uuid.uuid4().hex[:8]}@example.com"
    user = admin.auth.admin.create_user(
        {"email": email, "password": PASSWORD, "email_confirm": True}).user
    customer = stripe_client.v1.customers.create(params={"email": email}).id
    admin.table("user_subscriptions").insert({
        "user_id": user.id, "stripe_customer_id": customer, "status": "active",
        "stripe_subscription_id": f"sub_load_{uuid.uuid4().hex[:12]}"}).execute()
    return {"id": user.id, "customer": customer,
            "token": sign_in(stack, email, PASSWORD)["access_token"]}


def test_100_concurrent_users_each_get_only_their_own_portal(
    stack: StackConfig, app_server: RunningApp, admin, stripe_client, devstack: Devstack
):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        users = list(pool.map(lambda n: make_subscriber(admin, stripe_client, stack, n),
                              range(USERS)))
    assert len({u["customer"] for u in users}) == USERS

    start = threading.Barrier(USERS)
    limits = httpx.Limits(max_connections=USERS, max_keepalive_connections=USERS)
    with httpx.Client(timeout=60, limits=limits) as client:

        def click(user: dict) -> httpx.Response:
            start.wait()
            return client.post(f"{app_server.url}/api/customer_portal",
                               headers={"Authorization": f"Bearer {user['token']}"})

        released = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(USERS) as pool:
            responses = list(pool.map(click, users))
        took = time.monotonic() - released
    print(f"\n{USERS} concurrent portal requests answered in {took:.2f} s")

    assert [r.status_code for r in responses] == [200] * USERS
    returned = {u["id"]: r.json()["url"] for u, r in zip(users, responses, strict=True)}
    assert len(set(returned.values())) == USERS
    made_for: dict[str, str] = {}  # session url -> the customer it was made for
    for user in users:
        sessions = devstack.portal_sessions(user["customer"])
        assert [s["url"] for s in sessions] == [returned[user["id"]]]
        made_for.update({s["url"]: s["customer"] for s in sessions})
    cross = [u["id"] for u in users if made_for[returned[u["id"]]] != u["customer"]]
    assert cross == []
    assert took < ALL_ANSWERED_WITHIN_S
