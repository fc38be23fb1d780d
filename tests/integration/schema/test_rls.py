"""Row-level security on `user_subscriptions`, checked in plain SQL against the real cluster.

Each check runs as PostgREST would run a request: `set local role` plus `request.jwt.claims`.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest

from devstack.config import StackConfig


async def _as(conn: asyncpg.Connection, role: str, sub: str | None) -> None:
    claims = {"role": role} | ({"sub": sub} if sub else {})
    await conn.execute(
        "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
        role, json.dumps(claims),
    )


def run(stack: StackConfig, check):
    async def main():
        conn = await asyncpg.connect(stack.database_url())
        try:
            a, b = uuid.uuid4(), uuid.uuid4()
            for uid in (a, b):
                await conn.execute("insert into auth.users (id, email) values ($1, $2)", uid,
                                   f"{uid}@example.com")
                await conn.execute(
                    "insert into public.user_subscriptions (user_id, stripe_customer_id, status)"
                    " values ($1, $2, 'active')", uid, f"cus_{uid.hex[:12]}")
            try:
                return await check(conn, str(a), str(b))
            finally:
                await conn.execute("delete from auth.users where id = any($1::uuid[])", [a, b])
        finally:
            await conn.close()
    return asyncio.run(main())


def test_rls_is_enabled_on_both_tables(stack: StackConfig):
    async def check(conn, a, b):
        rows = await conn.fetch(
            "select relname, relrowsecurity from pg_class where relname in"
            " ('user_subscriptions', 'stripe_webhook_events')")
        return {r["relname"]: r["relrowsecurity"] for r in rows}
    assert run(stack, check) == {"user_subscriptions": True, "stripe_webhook_events": True}


def test_authenticated_selects_only_their_own_row(stack: StackConfig):
    async def check(conn, a, b):
        async with conn.transaction():
            await _as(conn, "authenticated", a)
            return [str(r["user_id"]) for r in await conn.fetch("select user_id from public.user_subscriptions")], a
    seen, a = run(stack, check)
    assert seen == [a]


@pytest.mark.parametrize("statement", [
    "update public.user_subscriptions set status = 'canceled'",
    "delete from public.user_subscriptions",
    "insert into public.user_subscriptions (user_id) values (gen_random_uuid())",
])
@pytest.mark.parametrize("role", ["authenticated", "anon"])
def test_api_roles_cannot_write(stack: StackConfig, statement: str, role: str):
    async def check(conn, a, b):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await _as(conn, role, a)
                await conn.execute(statement)
        return await conn.fetchval(
            "select count(*) from public.user_subscriptions where status = 'active'"
            " and user_id = any($1::uuid[])", [uuid.UUID(a), uuid.UUID(b)])
    assert run(stack, check) == 2


def test_anon_reads_nothing(stack: StackConfig):
    async def check(conn, a, b):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await _as(conn, "anon", None)
                await conn.fetch("select * from public.user_subscriptions")
    run(stack, check)


def test_service_role_bypasses_rls_and_writes(stack: StackConfig):
    async def check(conn, a, b):
        async with conn.transaction():
            await _as(conn, "service_role", None)
            await conn.execute(
                "update public.user_subscriptions set status = 'past_due' where user_id = $1",
                uuid.UUID(b))
            return await conn.fetchval("select count(*) from public.user_subscriptions"
                                       " where user_id = any($1::uuid[])",
                                       [uuid.UUID(a), uuid.UUID(b)])
    assert run(stack, check) == 2


def test_webhook_event_log_is_closed_to_api_users(stack: StackConfig):
    async def check(conn, a, b):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await _as(conn, "authenticated", a)
                await conn.fetch("select * from public.stripe_webhook_events")
    run(stack, check)


def test_deleting_the_user_deletes_their_row(stack: StackConfig):
    async def check(conn, a, b):
        await conn.execute("delete from auth.users where id = $1", uuid.UUID(a))
        return await conn.fetchval("select count(*) from public.user_subscriptions where user_id = $1",
                                   uuid.UUID(a))
    assert run(stack, check) == 0


def test_status_must_be_a_stripe_status(stack: StackConfig):
    async def check(conn, a, b):
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("update public.user_subscriptions set status = 'bogus' where user_id = $1",
                               uuid.UUID(a))
    run(stack, check)
