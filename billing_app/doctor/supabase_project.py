"""Supabase: the URL answers, each key is accepted for its role, the JWKS is reachable, and the
schema is this app's, with row-level security on (read through `security_report`, a migration
that only the service role may execute)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from billing_app.doctor.checks import Check, Finding, failed, ok
from billing_app.doctor.configuration import where
from billing_app.platform import clients
from billing_app.platform.settings import Settings
from billing_app.session import signing_keys

SECTION = "Supabase"
TABLES = ("user_subscriptions", "stripe_webhook_events")
FUNCTIONS = ("apply_stripe_subscription",)
REPORT = "security_report"
APPLY_MIGRATIONS = ("Apply this app's migrations: `supabase link --project-ref <project-ref>`, then "
                    "`supabase db push` (README: Using a real Supabase project and a real Stripe "
                    "account).")
WRITES = ("INSERT", "UPDATE", "DELETE", "ALL")


def _applies_to(policy: dict[str, Any], role: str) -> bool:
    return bool({role, "public"} & set(policy["roles"]))


def policy_problems(policy: dict[str, Any]) -> list[str]:
    """What a policy opens that this app's tables keep shut: reading for anon (the publishable
    key in every browser), writing for authenticated (every signed-in user). Restrictive
    policies only narrow what permissive ones allow."""
    if not policy["permissive"]:
        return []
    problems = []
    if policy["command"] in ("SELECT", "ALL") and _applies_to(policy, "anon"):
        problems.append("lets anon read")
    if policy["command"] in WRITES and _applies_to(policy, "authenticated"):
        problems.append("lets authenticated write")
    return problems


def table_finding(table: dict[str, Any]) -> Finding:
    """One table of the report: it exists, RLS is on, and no policy opens it."""
    name = table["name"]
    if not table["exists"]:
        return failed(f"public.{name} doesn't exist", APPLY_MIGRATIONS)
    if not table["rls_enabled"]:
        return failed(
            f"row-level security is off on public.{name}: the publishable key, which every "
            "browser may see, reaches it as far as the table's grants allow",
            f"Turn it back on: Dashboard → Authentication → Policies → {name} → Enable RLS, or "
            f"run `alter table public.{name} enable row level security;` in the SQL Editor. The "
            "webhook writes with SUPABASE_SECRET_KEY, which row-level security never stops: it "
            "never needs RLS off.")
    opened = [f'policy "{p["name"]}" ({p["command"]}, to {", ".join(p["roles"])}) '
              f'{" and ".join(problems)}'
              for p in table["policies"] if (problems := policy_problems(p))]
    if opened:
        return failed(
            f"public.{name}: " + "; ".join(opened),
            "Drop it, or limit it to what the app's migration allows (users read their own "
            "row; only the service role writes): Dashboard → Authentication → Policies.")
    policies = "; ".join(f'"{p["name"]}" ({p["command"]}, to {", ".join(p["roles"])})'
                         for p in table["policies"]) or "none, so only the service role reaches it"
    return ok(f"row-level security on; policies: {policies}")


def function_finding(function: dict[str, Any]) -> Finding:
    name = function["name"]
    if not function["exists"]:
        return failed(f"public.{name} doesn't exist: webhooks can't record subscriptions",
                      APPLY_MIGRATIONS)
    others = [role for role in function["executable_by"] if role != "service_role"]
    if others:
        return failed(
            f"{', '.join(others)} may execute public.{name}: anyone with that role could write "
            "any user's subscription",
            f"Run `revoke execute on function public.{name} from public, anon, authenticated;` "
            "in the SQL Editor, as the migration does.")
    return ok("exists; only the service role may execute it")


def checks(settings: Settings) -> list[Check]:
    """The checks, in the order they print. They share one schema report."""
    base = settings.supabase_url
    report: dict[str, Any] = {}

    async def url() -> Finding:
        # Any answer of Supabase's gateway will do here, a 401 for the missing key included.
        response = await clients.supabase_http().get(f"{base}/auth/v1/health")
        if response.status_code not in (200, 401):
            return failed(f"{base}/auth/v1/health answered {response.status_code}: this is no "
                          "Supabase project's API", where("SUPABASE_URL"))
        return ok(f"{base} answers")

    async def publishable_key() -> Finding:
        response = await clients.supabase_http().get(
            f"{base}/auth/v1/health", headers=clients.key_headers(settings.supabase_publishable_key))
        if response.status_code != 200:
            return failed(f"Supabase refuses SUPABASE_PUBLISHABLE_KEY ({response.status_code}): "
                          "it is no key of this project", where("SUPABASE_PUBLISHABLE_KEY"))
        return ok("Supabase accepts SUPABASE_PUBLISHABLE_KEY")

    async def secret_key() -> Finding:
        # Auth's admin routes answer the service role only; one user at most is read, and
        # nothing of it is shown.
        response = await clients.supabase_http().get(
            f"{base}/auth/v1/admin/users", params={"page": 1, "per_page": 1},
            headers=clients.key_headers(settings.supabase_secret_key))
        if response.status_code != 200:
            return failed(f"Supabase doesn't take SUPABASE_SECRET_KEY as the service role "
                          f"({response.status_code})", where("SUPABASE_SECRET_KEY"))
        return ok("Supabase accepts SUPABASE_SECRET_KEY as the service role")

    async def jwks() -> Finding:
        keys = await signing_keys.fetch_published_keys()
        if not keys:
            return ok("the project signs with the legacy JWT secret (HS256) and publishes no "
                      "keys, so page loads ask Auth (moving to asymmetric keys in Project "
                      "Settings → JWT Keys saves that round trip)")
        algorithms = ", ".join(sorted({key.algorithm_name for key in keys.values()}))
        return ok(f"{len(keys)} signing key{'s' if len(keys) > 1 else ''} ({algorithms}) "
                  "published: page loads check tokens against them")

    async def schema_report() -> Finding:
        query = clients.service_postgrest().rpc(
            REPORT, {"table_names": list(TABLES), "function_names": [*FUNCTIONS, REPORT]})
        try:
            found = (await clients.execute(query, "the schema report")).data
        except clients.RestRefused as exc:
            if exc.code in ("PGRST202", "42883"):  # no such function
                return failed(f"public.{REPORT} doesn't exist: the schema is older than this "
                              "app's migrations", APPLY_MIGRATIONS)
            raise
        report.update(found)
        [own] = [f for f in found["functions"] if f["name"] == REPORT]
        if own["executable_by"] != ["service_role"]:
            return function_finding(own)
        return ok(f"public.{REPORT} answers the service role alone")

    def part(kind: str, name: str) -> Callable[[], Awaitable[Finding]]:
        async def run() -> Finding:
            [entry] = [e for e in report[kind] if e["name"] == name]
            return table_finding(entry) if kind == "tables" else function_finding(entry)
        return run

    def check(name: str, run: Callable[[], Awaitable[Finding]], fix: str, *needs: str) -> Check:
        return Check(SECTION, name, run, fix, needs)

    url_fix = where("SUPABASE_URL")
    return [
        check("URL", url, url_fix),
        check("Publishable key", publishable_key, url_fix, "URL"),
        check("Secret key", secret_key, url_fix, "URL"),
        check("JWKS", jwks, f"{url_fix} The JWKS is at SUPABASE_URL/auth/v1/.well-known/jwks.json.",
              "Publishable key"),
        check("Schema report", schema_report, APPLY_MIGRATIONS, "Secret key"),
        *(check(f"Table {name}", part("tables", name), APPLY_MIGRATIONS, "Schema report")
          for name in TABLES),
        *(check(f"Function {name}", part("functions", name), APPLY_MIGRATIONS, "Schema report")
          for name in FUNCTIONS),
    ]
