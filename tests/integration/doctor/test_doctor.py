"""`make doctor` against `make run`'s stand-ins (the new key generation): healthy, all ✔ and
exit 0; each broken set-up of the issue alone gives its own ✘ line naming the fix, and exit 1,
and is put back afterwards. The legacy keys: tests/integration/legacy/test_doctor.py."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import asyncpg
import pytest
import stripe

from billing_app.billing.webhooks import HANDLED_EVENTS
from devstack.config import StackConfig
from devstack.stack import control
from tests.helpers import Devstack
from tests.integration.doctor.harness import make_run_webhooks, run_doctor, run_make_doctor

EVERY_CHECK = [
    "Settings: Settings",
    *(f"Supabase: {name}" for name in (
        "URL", "Publishable key", "Secret key", "JWKS", "Schema report",
        "Table user_subscriptions", "Table stripe_webhook_events",
        "Function apply_stripe_subscription")),
    *(f"Stripe: {name}" for name in (
        "Secret key", "Customer Portal", "Offered prices", "Webhook endpoint",
        "Webhook signing secret")),
    *(f"Addresses: {name}" for name in (
        "SITE_URL and REFLEX_API_URL", "Same site", "Secure cookies")),
]
# The issue names invoice.payment_failed; until the app handles it (issue 12), the endpoint
# leaves out an event that it does handle.
LEFT_OUT = ("invoice.payment_failed" if "invoice.payment_failed" in HANDLED_EVENTS
            else "customer.subscription.deleted")


@pytest.fixture(autouse=True)
def as_make_run(stack: StackConfig) -> Iterator[None]:
    with make_run_webhooks(stack):
        yield


def assert_only_failing(found, name: str, *in_the_fix: str) -> str:
    """`name` is the one ✘, the run exits 1, and its fix (after →) names each of `in_the_fix`."""
    assert found.exit_code == 1, found.output
    assert found.marked("✘") == [name], found.output
    text = found.text(name)
    fix = text.partition("→")[2]
    for words in in_the_fix:
        assert words in fix, text
    return text


def test_healthy_every_check_holds_and_it_exits_0(stack: StackConfig):
    found = run_doctor(stack)
    assert found.exit_code == 0, found.output
    assert found.marked("✔") == EVERY_CHECK
    assert found.output.rstrip().endswith(f"{len(EVERY_CHECK)} ✔: everything the app needs holds.")
    assert "new sb_publishable_... key" in found.text("Settings: Settings")
    assert "(ES256)" in found.text("Supabase: JWKS")
    assert "http://localhost:8000/api/webhooks/stripe" in found.text("Stripe: Webhook endpoint")


def test_make_doctor_runs_it_on_make_runs_stand_ins(stack: StackConfig):
    """The Makefile's own target, through `python -m devstack exec` and `.devstack/env`."""
    found = run_make_doctor(stack)
    assert found.exit_code == 0, found.output
    assert found.marked("✔") == EVERY_CHECK


def test_no_default_portal_configuration(stack: StackConfig):
    control(stack, "stripe", "DELETE", "portal_configuration/default")
    try:
        found = run_doctor(stack)
    finally:
        control(stack, "stripe", "PUT", "portal_configuration/default")
    text = assert_only_failing(found, "Stripe: Customer Portal",
                               "Settings → Billing → Customer portal", "Save")
    assert "no default Customer Portal configuration in test mode" in text


def test_a_portal_configuration_id_that_isnt_there_or_isnt_active(
        stack: StackConfig, stripe_client: stripe.StripeClient):
    found = run_doctor(stack, STRIPE_CUSTOMER_PORTAL_CONFIG_ID="bpc_from_live_mode")
    text = assert_only_failing(found, "Stripe: Customer Portal",
                               "Set STRIPE_CUSTOMER_PORTAL_CONFIG_ID")
    assert "names bpc_from_live_mode, which Stripe doesn't have in test mode" in text
    made = stripe_client.v1.billing_portal.configurations.create(
        params={"features": {"invoice_history": {"enabled": True}}})
    assert run_doctor(stack, STRIPE_CUSTOMER_PORTAL_CONFIG_ID=made.id).exit_code == 0
    stripe_client.v1.billing_portal.configurations.update(made.id, params={"active": False})
    found = run_doctor(stack, STRIPE_CUSTOMER_PORTAL_CONFIG_ID=made.id)
    assert "is not active" in assert_only_failing(found, "Stripe: Customer Portal")


def test_a_refused_stripe_key_skips_what_needs_it(stack: StackConfig):
    found = run_doctor(stack, STRIPE_SECRET_KEY="sk_test_not_this_accounts")
    assert found.exit_code == 1
    assert found.marked("✘") == ["Stripe: Secret key"]
    assert found.text("Stripe: Secret key").startswith("Stripe refuses STRIPE_SECRET_KEY")
    assert "Developers → API keys" in found.text("Stripe: Secret key")
    assert found.marked("–") == ["Stripe: Customer Portal", "Stripe: Offered prices",
                                 "Stripe: Webhook endpoint"]
    assert "sk_test_not_this_accounts" not in found.output


def test_a_supabase_url_that_doesnt_answer(stack: StackConfig):
    found = run_doctor(stack, SUPABASE_URL="http://127.0.0.1:9")
    assert found.exit_code == 1
    assert found.marked("✘") == ["Supabase: URL"]
    assert "Project Settings → Data API" in found.text("Supabase: URL")
    assert len(found.marked("–")) == 7  # every other Supabase check needs it


def test_the_keys_swapped(stack: StackConfig):
    found = run_doctor(stack, SUPABASE_PUBLISHABLE_KEY=stack.secrets.secret_key,
                       SUPABASE_SECRET_KEY=stack.secrets.publishable_key)
    text = assert_only_failing(found, "Settings: Settings", "Set SUPABASE_PUBLISHABLE_KEY",
                               "Set SUPABASE_SECRET_KEY", "Project Settings → API Keys")
    assert "SUPABASE_PUBLISHABLE_KEY (or SUPABASE_ANON_KEY) holds an sb_secret_... key" in text
    assert found.marked("✔") == []  # nothing else is asked without the settings


def test_a_price_that_isnt_recurring(stack: StackConfig):
    found = run_doctor(stack, STRIPE_PRICE_IDS="price_devstack_pro_monthly,"
                                               "price_devstack_pro_setup")
    text = assert_only_failing(found, "Stripe: Offered prices",
                               "Set STRIPE_PRICE_IDS (or STRIPE_PRICE_ID)", "Product catalogue")
    assert "price_devstack_pro_setup is a one-time price" in text
    assert "price_devstack_pro_monthly is" not in text


def test_the_old_single_price_setting_is_still_checked(stack: StackConfig):
    found = run_doctor(stack, STRIPE_PRICE_ID="price_devstack_pro_setup")
    text = assert_only_failing(found, "Stripe: Offered prices",
                               "Set STRIPE_PRICE_IDS (or STRIPE_PRICE_ID)")
    assert "price_devstack_pro_setup is a one-time price" in text


def test_unset_every_plan_on_offer_is_checked(stack: StackConfig):
    line = run_doctor(stack).text("Stripe: Offered prices")
    assert "every active recurring price, as STRIPE_PRICE_IDS is unset" in line
    for price in ("price_devstack_pro_monthly", "price_devstack_pro_yearly",
                  "price_devstack_team_monthly"):
        assert price in line
    assert "price_devstack_pro_setup" not in line


def _sql(stack: StackConfig, statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(stack.database_url())
        try:
            await conn.execute(statement)
        finally:
            await conn.close()
    asyncio.run(run())


def test_rls_disabled_on_the_table(stack: StackConfig):
    _sql(stack, "alter table public.user_subscriptions disable row level security")
    try:
        found = run_doctor(stack)
    finally:
        _sql(stack, "alter table public.user_subscriptions enable row level security")
    text = assert_only_failing(found, "Supabase: Table user_subscriptions",
                               "Authentication → Policies", "Enable RLS",
                               "alter table public.user_subscriptions enable row level security")
    assert text.startswith("row-level security is off on public.user_subscriptions")


def test_a_policy_that_lets_anon_read(stack: StackConfig):
    _sql(stack, 'create policy "Enable read access for all users" '
                "on public.user_subscriptions for select using (true)")
    try:
        found = run_doctor(stack)
    finally:
        _sql(stack, 'drop policy "Enable read access for all users" '
                    "on public.user_subscriptions")
    text = assert_only_failing(found, "Supabase: Table user_subscriptions", "Authentication → Policies")
    assert '"Enable read access for all users" (SELECT, to public) lets anon read' in text


def test_a_webhook_endpoint_missing_an_event(stack: StackConfig):
    with make_run_webhooks(stack, enabled_events=sorted(HANDLED_EVENTS - {LEFT_OUT})):
        found = run_doctor(stack)
    text = assert_only_failing(found, "Stripe: Webhook endpoint", "Developers → Webhooks",
                               f"Add {LEFT_OUT} to it")
    assert text.startswith("the webhook endpoint at http://localhost:8000/api/webhooks/stripe "
                           f"doesn't send {LEFT_OUT}")


def test_no_webhook_endpoint_at_the_app(stack: StackConfig):
    with make_run_webhooks(stack, url="https://elsewhere.example/hooks"):
        found = run_doctor(stack)
    text = assert_only_failing(found, "Stripe: Webhook endpoint",
                               "Developers → Webhooks → Add endpoint", "STRIPE_WEBHOOK_SECRET",
                               *sorted(HANDLED_EVENTS))
    assert "(endpoints: https://elsewhere.example/hooks)" in text


def test_a_wrong_site_url(stack: StackConfig):
    # The pages opened at localhost:3000, SITE_URL saying 127.0.0.1: another site to browsers.
    found = run_doctor(stack, SITE_URL="http://127.0.0.1:3000")
    text = assert_only_failing(found, "Addresses: Same site", "Set SITE_URL")
    assert text.startswith("SITE_URL http://127.0.0.1:3000 and REFLEX_API_URL (unset: Reflex's "
                           "default) http://localhost:8000 are different sites")


def test_a_public_site_url_needs_the_backend_address_and_https(stack: StackConfig):
    found = run_doctor(stack, SITE_URL="http://shop.example.com")
    assert found.exit_code == 1
    assert found.marked("✘") == [
        "Addresses: SITE_URL and REFLEX_API_URL", "Addresses: Same site",
        "Addresses: Secure cookies"]
    assert "Set REFLEX_API_URL" in found.text("Addresses: SITE_URL and REFLEX_API_URL")
    assert "Serve the app over https" in found.text("Addresses: Secure cookies")
    with make_run_webhooks(stack, url="https://api.example.com/api/webhooks/stripe"):
        one_site = run_doctor(stack, SITE_URL="https://app.example.com",
                              REFLEX_API_URL="https://api.example.com")
    assert one_site.exit_code == 0, one_site.output
    assert one_site.marked("!") == ["Addresses: Same site"]  # two hosts: the nonce is shared
    assert "(https://example.com)" in one_site.text("Addresses: Same site")


def test_each_check_has_a_time_limit_and_the_others_still_answer(stack: StackConfig,
                                                                 no_faults: Devstack):
    no_faults.stripe_fault("timeout", path="/v1/webhook_endpoints")
    found = run_doctor(stack, "--timeout", "2")
    assert_only_failing(found, "Stripe: Webhook endpoint", "STRIPE_API_BASE")
    assert found.text("Stripe: Webhook endpoint").startswith("no answer within 2 s")


def test_create_test_session_makes_one_portal_session_and_deletes_its_customer(
        stack: StackConfig, devstack: Devstack, stripe_client: stripe.StripeClient):
    # Only the events the app handles go out: the throwaway customer's reach no one.
    with make_run_webhooks(stack, enabled_events=sorted(HANDLED_EVENTS)):
        found = run_doctor(stack, "--create-test-session")
    assert found.exit_code == 0, found.output
    text = found.text("Stripe: Test portal session")
    assert found.entries()["Stripe: Test portal session"][0] == "✔", text
    customer = re.search(r"\((cus_\w+), deleted again\)", text)[1]
    [session] = devstack.portal_sessions(customer)
    assert session["return_url"] == "http://localhost:3000/dashboard/settings/billing"
    assert stripe_client.v1.customers.retrieve(customer).to_dict() == {
        "id": customer, "object": "customer", "deleted": True}


def test_without_the_flag_it_writes_nothing_to_stripe(stack: StackConfig, devstack: Devstack):
    since = time.time()
    assert run_doctor(stack).exit_code == 0
    methods = {r["method"] for r in devstack.stripe_requests(since=since)}
    assert methods == {"GET"}

