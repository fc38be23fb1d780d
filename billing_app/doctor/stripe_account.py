"""Stripe: the key works (and in which mode), the Customer Portal has a configuration, every
offered price can be sold, a webhook endpoint at this app sends every event it handles, and,
with --create-test-session in test mode only, one real portal session for a throwaway customer.
Everything else only reads."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable

import stripe

from billing_app.billing import catalogue, portal
from billing_app.billing.webhooks import HANDLED_EVENTS
from billing_app.doctor.addresses import is_local
from billing_app.doctor.checks import Check, Finding, describe, failed, ok, skipped, warning
from billing_app.doctor.configuration import key_mode, where
from billing_app.platform import clients
from billing_app.platform.outcomes import UpstreamError
from billing_app.platform.paths import API_STRIPE_WEBHOOK
from billing_app.platform.settings import Settings

SECTION = "Stripe"
KEY = "Secret key"
PORTAL = "Customer Portal"
PORTAL_PAGES = {"test": "https://dashboard.stripe.com/test/settings/billing/portal",
                "live": "https://dashboard.stripe.com/settings/billing/portal"}
WEBHOOKS_PAGE = "Developers → Webhooks"
CHECK_THE_SECRET = (
    "Stripe never shows an endpoint's signing secret again, so to confirm it is this one: send a "
    f"test event ({WEBHOOKS_PAGE} → your endpoint → Send test event) and look for "
    "invalid_signature in the app's log (README: Troubleshooting)")


def refusals(access: str) -> Callable[[Callable[[], Awaitable[Finding]]],
                                      Callable[[], Awaitable[Finding]]]:
    """Turn Stripe's refusals of the key into the finding that names the fix; `access` is what
    the check needs, which a restricted key may lack ("read access to prices")."""

    def wrap(run: Callable[[], Awaitable[Finding]]) -> Callable[[], Awaitable[Finding]]:
        @functools.wraps(run)
        async def guarded() -> Finding:
            try:
                return await run()
            except stripe.AuthenticationError:
                return failed("Stripe refuses STRIPE_SECRET_KEY", where("STRIPE_SECRET_KEY"))
            except stripe.PermissionError:
                return failed(
                    f"STRIPE_SECRET_KEY is a restricted key without {access}",
                    f"Give the restricted key {access} (Stripe: Developers → API keys), or run "
                    "make doctor with the account's secret key.")
        return guarded
    return wrap


def webhook_urls(settings: Settings, backend_url: str) -> list[str]:
    """Where Stripe may send this app's events: SITE_URL's or the backend's webhook route."""
    return list(dict.fromkeys(f"{base.rstrip('/')}{API_STRIPE_WEBHOOK}"
                              for base in (settings.site_url, backend_url)))


def endpoint_finding(endpoints: list[dict], wanted: list[str]) -> Finding:
    """The one endpoint at `wanted` must be enabled and send every event the app handles."""
    at_app = [e for e in endpoints if e["url"].rstrip("/") in wanted]
    add = (f"Add an endpoint ({WEBHOOKS_PAGE} → Add endpoint) at {wanted[0]} with the events "
           f"{', '.join(sorted(HANDLED_EVENTS))}, and put its signing secret in "
           "STRIPE_WEBHOOK_SECRET (README: Webhooks).")
    if not at_app:
        elsewhere = ", ".join(e["url"] for e in endpoints) or "none"
        return failed(f"no webhook endpoint at {' or '.join(wanted)} (endpoints: {elsewhere}): "
                      "Stripe never tells the app what changed", add)
    if len(at_app) > 1:
        return failed(
            f"{len(at_app)} webhook endpoints at {at_app[0]['url']}: Stripe signs for each "
            "with its own secret, and STRIPE_WEBHOOK_SECRET can match only one",
            f"Delete all but one ({WEBHOOKS_PAGE}), and put its signing secret in "
            "STRIPE_WEBHOOK_SECRET.")
    [endpoint] = at_app
    if endpoint["status"] != "enabled":
        return failed(f"the webhook endpoint at {endpoint['url']} is {endpoint['status']}",
                      f"Enable it: {WEBHOOKS_PAGE} → the endpoint.")
    enabled = set(endpoint["enabled_events"])
    missing = [] if "*" in enabled else sorted(HANDLED_EVENTS - enabled)
    if missing:
        return failed(f"the webhook endpoint at {endpoint['url']} doesn't send "
                      f"{', '.join(missing)}",
                      f"Add {', '.join(missing)} to it: {WEBHOOKS_PAGE} → the endpoint → "
                      "Select events.")
    return ok(f"the endpoint at {endpoint['url']} sends every event the app handles")


def price_problems(price: dict) -> list[str]:
    pid = price["id"]
    problems = []
    if not price["active"]:
        problems.append(f"{pid} is archived")
    if price.get("type") != "recurring" or not price.get("recurring"):
        problems.append(f"{pid} is a one-time price: Subscribe sells subscriptions")
    product = price.get("product")
    if isinstance(product, dict) and not product.get("active", True):
        problems.append(f"{pid}'s product {product.get('name') or product['id']} is archived")
    return problems


def price_line(price: dict) -> str:
    product = price.get("product")
    name = product.get("name") if isinstance(product, dict) else product
    amount = f"{(price.get('unit_amount') or 0) / 100:.2f} {price['currency'].upper()}"
    recurring = price.get("recurring") or {}
    count, interval = recurring.get("interval_count", 1), recurring.get("interval", "?")
    return f"{price['id']} ({name}, {amount} every {'' if count == 1 else f'{count} '}{interval})"


async def _delete_customer(sk: stripe.StripeClient, customer_id: str) -> str | None:
    """Delete the throwaway customer; why that failed, or None."""
    try:
        await sk.v1.customers.delete_async(customer_id)
    except stripe.StripeError as exc:
        return describe(exc)
    return None


def checks(settings: Settings, backend_url: str, create_test_session: bool) -> list[Check]:
    """The checks, in the order they print."""
    mode = key_mode(settings)
    config_id = settings.stripe_portal_config_id
    portal_fix = (f"Open Stripe's Dashboard → Settings → Billing → Customer portal in {mode} "
                  f"mode ({PORTAL_PAGES[mode]}) and Save; test and live mode have separate "
                  "settings.")
    price_fix = (where("STRIPE_PRICE_IDS") if settings.stripe_price_ids else
                 "Add an active recurring price (Stripe: Product catalogue), or set "
                 "STRIPE_PRICE_IDS to the prices to offer.")

    @refusals("read access to prices")
    async def key() -> Finding:
        await clients.stripe().v1.prices.list_async(params={"limit": 1})
        if mode == "live" and is_local(settings.site_url):
            return warning(f"works, in live mode, while SITE_URL is {settings.site_url}: "
                           "customers would come back to an address only this machine opens",
                           where("SITE_URL"))
        return ok(f"works, in {mode} mode")

    @refusals("read access to portal configurations")
    async def portal_configuration() -> Finding:
        configurations = clients.stripe().v1.billing_portal.configurations
        if config_id:
            try:
                found = await configurations.retrieve_async(config_id)
            except stripe.InvalidRequestError as exc:
                if exc.code != "resource_missing":
                    raise
                return failed(f"STRIPE_CUSTOMER_PORTAL_CONFIG_ID names {config_id}, which "
                              f"Stripe doesn't have in {mode} mode",
                              where("STRIPE_CUSTOMER_PORTAL_CONFIG_ID"))
            if not found.active:
                return failed(f"the configuration {config_id} (STRIPE_CUSTOMER_PORTAL_CONFIG_ID)"
                              " is not active", where("STRIPE_CUSTOMER_PORTAL_CONFIG_ID"))
            return ok(f"{config_id} (STRIPE_CUSTOMER_PORTAL_CONFIG_ID) is active")
        listed = await configurations.list_async(params={"is_default": True, "limit": 1})
        if not listed.data:
            return failed(f"no default Customer Portal configuration in {mode} mode: the portal "
                          "settings were never saved, so every Manage Subscription fails",
                          portal_fix)
        if not listed.data[0].active:
            return failed(f"the default configuration {listed.data[0].id} is not active",
                          portal_fix)
        return ok(f"the portal settings are saved in {mode} mode (the default configuration "
                  f"{listed.data[0].id})")

    @refusals("read access to prices")
    async def prices() -> Finding:
        try:
            offered = await catalogue.offered_prices()
        except UpstreamError as exc:
            return failed(str(exc), price_fix)
        retrieve = clients.stripe().v1.prices.retrieve_async
        found, problems = [], []
        answers = await asyncio.gather(
            *(retrieve(pid, params={"expand": ["product"]}) for pid in offered),
            return_exceptions=True)
        for pid, answer in zip(offered, answers, strict=True):
            if isinstance(answer, stripe.InvalidRequestError) and answer.code == "resource_missing":
                problems.append(f"{pid} doesn't exist in {mode} mode")
            elif isinstance(answer, BaseException):
                raise answer
            else:
                found.append(answer.to_dict())
                problems += price_problems(found[-1])
        source = ("STRIPE_PRICE_IDS" if settings.stripe_price_ids else
                  "every active recurring price, as STRIPE_PRICE_IDS is unset")
        if problems:
            return failed(f"Subscribe can't sell {', '.join(offered)} ({source}): "
                          + "; ".join(problems), price_fix)
        return ok(f"Subscribe sells {', '.join(price_line(p) for p in found)} ({source})")

    @refusals("read access to webhook endpoints")
    async def webhook_endpoint() -> Finding:
        listed = await clients.stripe().v1.webhook_endpoints.list_async(params={"limit": 100})
        endpoints = [e.to_dict() async for e in listed.auto_paging_iter()]
        return endpoint_finding(endpoints, webhook_urls(settings, backend_url))

    async def webhook_secret() -> Finding:
        # The settings refuse a value without whsec_; Stripe can't say whose secret it is.
        return ok(f"STRIPE_WEBHOOK_SECRET looks like a signing secret (whsec_...). {CHECK_THE_SECRET}.")

    @refusals("write access to customers and portal sessions")
    async def test_session() -> Finding:
        if mode == "live":
            return skipped("not made: STRIPE_SECRET_KEY is a live key, and --create-test-session "
                           "makes a session in test mode only")
        sk = clients.stripe()
        customer = await sk.v1.customers.create_async(params={
            "name": "make doctor --create-test-session (deleted at once)",
            "metadata": {"made_by": "make doctor"},
        })
        try:
            session = await sk.v1.billing_portal.sessions.create_async(
                params=portal.session_params(customer.id))
        except stripe.InvalidRequestError as exc:
            found = failed(f"Stripe refused a portal session: {exc.user_message}", portal_fix)
        else:
            found = ok(f"Stripe made a portal session ({session.id}, configuration "
                       f"{session.configuration}) for a throwaway customer")
        finally:
            kept = await _delete_customer(sk, customer.id)
        if kept:
            return failed(f"{found.summary}; and the throwaway customer {customer.id} is still "
                          f"there: deleting it failed ({kept})",
                          "Delete it: Stripe's Dashboard → Customers.")
        return Finding(found.status, f"{found.summary} ({customer.id}, deleted again)", found.fix)

    def check(name: str, run: Callable[[], Awaitable[Finding]], fix: str,
              *needs: str) -> Check:
        return Check(SECTION, name, run, fix, needs)

    unreachable = ("Check this machine's connection to Stripe, and STRIPE_API_BASE (unset for "
                   "Stripe itself).")
    found = [
        check(KEY, key, unreachable),
        check(PORTAL, portal_configuration, portal_fix, KEY),
        check("Offered prices", prices, price_fix, KEY),
        check("Webhook endpoint", webhook_endpoint, unreachable, KEY),
        check("Webhook signing secret", webhook_secret, where("STRIPE_WEBHOOK_SECRET")),
    ]
    if create_test_session:
        found.append(check("Test portal session", test_session, unreachable, KEY, PORTAL))
    return found
