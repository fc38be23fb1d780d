"""Reading the schema report: RLS on, and no policy that lets anon read or authenticated write;
the webhook's function only for the service role. The report itself: tests/integration/schema/
test_security_report.py."""

from __future__ import annotations

import pytest

from billing_app.doctor.checks import Status
from billing_app.doctor.supabase_project import function_finding, policy_problems, table_finding


def policy(command="SELECT", roles=("authenticated",), permissive=True, name="p"):
    return {"name": name, "command": command, "roles": list(roles), "permissive": permissive,
            "using": "true", "with_check": None}


def table(rls=True, exists=True, policies=()):
    return {"name": "user_subscriptions", "exists": exists, "rls_enabled": rls,
            "rls_forced": False, "policies": list(policies)}


@pytest.mark.parametrize(("given", "problems"), [
    (policy("SELECT", ["authenticated"]), []),  # the app's own: users read their row
    (policy("SELECT", ["anon"]), ["lets anon read"]),
    (policy("SELECT", ["public"]), ["lets anon read"]),  # public is every role, anon too
    (policy("INSERT", ["authenticated"]), ["lets authenticated write"]),
    (policy("UPDATE", ["public"]), ["lets authenticated write"]),
    (policy("DELETE", ["anon"]), []),  # anon writing is refused by the grants of the migration
    (policy("ALL", ["public"]), ["lets anon read", "lets authenticated write"]),
    (policy("ALL", ["service_role"]), []),
    (policy("ALL", ["public"], permissive=False), []),  # restrictive: only narrows
])
def test_policies_that_open_the_table(given, problems):
    assert policy_problems(given) == problems


def test_the_apps_own_table_holds():
    found = table_finding(table(policies=[policy(name="Users can read their own subscription")]))
    assert found.status == Status.OK
    assert found.summary == ('row-level security on; policies: "Users can read their own '
                             'subscription" (SELECT, to authenticated)')


def test_rls_off_fails_and_says_how_to_turn_it_on():
    found = table_finding(table(rls=False))
    assert found.status == Status.FAILED
    assert "Enable RLS" in found.fix and "never needs RLS off" in found.fix


def test_an_opening_policy_fails_naming_it():
    found = table_finding(table(policies=[policy("SELECT", ["public"], name="read all")]))
    assert found.status == Status.FAILED
    assert found.summary == 'public.user_subscriptions: policy "read all" (SELECT, to public) ' \
                            'lets anon read'
    assert "Authentication → Policies" in found.fix


def test_a_missing_table_or_function_means_the_migrations_werent_applied():
    assert "supabase db push" in table_finding(table(exists=False)).fix
    missing = function_finding({"name": "apply_stripe_subscription", "exists": False,
                                "executable_by": []})
    assert missing.status == Status.FAILED and "supabase db push" in missing.fix


def test_a_function_any_api_role_may_execute_fails():
    found = function_finding({"name": "apply_stripe_subscription", "exists": True,
                              "executable_by": ["anon", "authenticated", "service_role"]})
    assert found.status == Status.FAILED
    assert found.summary.startswith("anon, authenticated may execute")
    assert "revoke execute on function public.apply_stripe_subscription" in found.fix
