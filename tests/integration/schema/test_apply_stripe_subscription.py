"""`apply_stripe_subscription`, the webhook's one write, checked in SQL against the cluster."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest

from devstack.config import StackConfig

CALL = "select public.apply_stripe_subscription($1, 'customer.subscription.updated', now(), $2::jsonb)"


def row(user_id: uuid.UUID, synced_at: str, **changes) -> dict:
    base = {"user_id": str(user_id), "stripe_customer_id": f"cus_{user_id.hex[:10]}",
            "stripe_subscription_id": f"sub_{user_id.hex[:10]}", "status": "active",
            "price_id": "price_a", "plan_label": "Pro (monthly)", "unit_amount": 2000,
            "currency": "usd", "billing_interval": "month",
            "current_period_end": "2027-01-01T00:00:00+00:00", "cancel_at_period_end": False,
            "cancel_at": None, "canceled_at": None, "stripe_synced_at": synced_at}
    return base | changes


def run(stack: StackConfig, check):
    async def main():
        conn = await asyncpg.connect(stack.database_url())
        user = uuid.uuid4()
        await conn.execute("insert into auth.users (id, email) values ($1, $2)", user,
                           f"{user}@example.com")
        try:
            async with conn.transaction():
                # As PostgREST runs a service-role call.
                await conn.execute("select set_config('role', 'service_role', true)")
                return await check(conn, user)
        finally:
            await conn.execute("delete from auth.users where id = $1", user)
            await conn.execute("delete from public.stripe_webhook_events where id like $1",
                               f"evt_{user.hex}%")
    return asyncio.run(main())


def evt(user: uuid.UUID, n: int) -> str:
    return f"evt_{user.hex}_{n}"


async def current(conn, user):
    return await conn.fetchrow("select * from public.user_subscriptions where user_id = $1", user)


def test_applies_then_a_replay_is_a_duplicate(stack: StackConfig):
    async def check(conn, user):
        first = await conn.fetchval(CALL, evt(user, 1), json.dumps(row(user, "2026-11-27T10:00:00Z")))
        again = await conn.fetchval(CALL, evt(user, 1), json.dumps(
            row(user, "2026-11-27T11:00:00Z", status="past_due")))
        return first, again, (await current(conn, user))["status"]
    assert run(stack, check) == ("applied", "duplicate", "active")


def test_an_older_view_never_overwrites_a_newer_one(stack: StackConfig):
    async def check(conn, user):
        await conn.fetchval(CALL, evt(user, 1), json.dumps(
            row(user, "2026-11-27T10:00:05Z", cancel_at_period_end=True)))
        late = await conn.fetchval(CALL, evt(user, 2), json.dumps(
            row(user, "2026-11-27T10:00:01Z", cancel_at_period_end=False)))
        return late, (await current(conn, user))["cancel_at_period_end"]
    assert run(stack, check) == ("stale", True)


def test_news_of_an_old_canceled_subscription_keeps_the_live_one(stack: StackConfig):
    async def check(conn, user):
        await conn.fetchval(CALL, evt(user, 1), json.dumps(
            row(user, "2026-11-27T10:00:00Z", stripe_subscription_id="sub_new")))
        old = await conn.fetchval(CALL, evt(user, 2), json.dumps(
            row(user, "2026-11-27T10:00:09Z", stripe_subscription_id="sub_old",
                status="canceled")))
        now = await current(conn, user)
        return old, now["stripe_subscription_id"], now["status"]
    assert run(stack, check) == ("kept", "sub_new", "active")


def test_a_failure_midway_records_nothing(stack: StackConfig):
    async def check(conn, user):
        with pytest.raises(asyncpg.CheckViolationError):
            async with conn.transaction():
                await conn.fetchval(CALL, evt(user, 1), json.dumps(
                    row(user, "2026-11-27T10:00:00Z", status="not-a-stripe-status")))
        seen = await conn.fetchval(
            "select count(*) from public.stripe_webhook_events where id = $1", evt(user, 1))
        return seen, await current(conn, user)
    assert run(stack, check) == (0, None)


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_api_users_cannot_call_it(stack: StackConfig, role: str):
    async def check(conn, user):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await conn.execute(f"select set_config('role', '{role}', true)")
                await conn.fetchval(CALL, evt(user, 1), json.dumps(row(user, "2026-11-27T10:00:00Z")))
        return await current(conn, user)
    assert run(stack, check) is None
