"""`public.security_report`: what `make doctor` reads of the schema, for the service role only.

Run in plain SQL against the real cluster, as PostgREST would run it for each role.
"""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from devstack.config import StackConfig

TABLES = ["user_subscriptions", "stripe_webhook_events", "no_such_table"]
FUNCTIONS = ["apply_stripe_subscription", "security_report", "no_such_function"]


async def _report_as(conn: asyncpg.Connection, role: str) -> dict:
    async with conn.transaction():
        await conn.execute("select set_config('role', $1, true)", role)
        raw = await conn.fetchval("select public.security_report($1::text[], $2::text[])",
                                  TABLES, FUNCTIONS)
    return json.loads(raw)


def run(stack: StackConfig, check):
    async def main():
        conn = await asyncpg.connect(stack.database_url())
        try:
            return await check(conn)
        finally:
            await conn.close()
    return asyncio.run(main())


def test_the_service_role_reads_each_tables_rls_flag_and_policies(stack: StackConfig):
    report = run(stack, lambda conn: _report_as(conn, "service_role"))
    tables = {t["name"]: t for t in report["tables"]}
    assert [t["name"] for t in report["tables"]] == TABLES  # in the order asked
    assert tables["user_subscriptions"]["exists"] and tables["user_subscriptions"]["rls_enabled"]
    assert tables["user_subscriptions"]["policies"] == [{
        "name": "Users can read their own subscription", "command": "SELECT",
        "roles": ["authenticated"], "permissive": True,
        "using": "(( SELECT auth.uid() AS uid) = user_id)", "with_check": None,
    }]
    assert tables["stripe_webhook_events"] == {
        "name": "stripe_webhook_events", "exists": True, "rls_enabled": True,
        "rls_forced": False, "policies": []}
    assert tables["no_such_table"] == {"name": "no_such_table", "exists": False,
                                       "rls_enabled": False, "rls_forced": False, "policies": []}


def test_it_says_who_may_execute_each_function(stack: StackConfig):
    report = run(stack, lambda conn: _report_as(conn, "service_role"))
    assert report["functions"] == [
        {"name": "apply_stripe_subscription", "exists": True, "executable_by": ["service_role"]},
        {"name": "security_report", "exists": True, "executable_by": ["service_role"]},
        {"name": "no_such_function", "exists": False, "executable_by": []},
    ]


def test_it_sees_rls_switched_off_and_a_policy_added(stack: StackConfig):
    async def check(conn):
        await conn.execute("alter table public.stripe_webhook_events disable row level security")
        await conn.execute("create policy doctor_test_all on public.stripe_webhook_events "
                           "for all to public using (true)")
        try:
            return await _report_as(conn, "service_role")
        finally:
            await conn.execute("drop policy doctor_test_all on public.stripe_webhook_events")
            await conn.execute(
                "alter table public.stripe_webhook_events enable row level security")
    events = run(stack, check)["tables"][1]
    assert events["rls_enabled"] is False
    assert events["policies"] == [{"name": "doctor_test_all", "command": "ALL",
                                   "roles": ["public"], "permissive": True, "using": "true",
                                   "with_check": None}]


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_only_the_service_role_may_execute_it(stack: StackConfig, role: str):
    async def check(conn):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await _report_as(conn, role)
    run(stack, check)
