"""The Stripe findings: the webhook endpoint at the app with every handled event, prices that
can be sold, and the key's mode against SITE_URL."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import stripe

from billing_app.billing.webhooks import HANDLED_EVENTS
from billing_app.doctor import stripe_account
from billing_app.doctor.checks import Status
from billing_app.doctor.stripe_account import endpoint_finding, price_problems, webhook_urls
from billing_app.platform import clients
from tests.helpers import app_settings

APP = "https://app.example.com/api/webhooks/stripe"


def endpoint(url=APP, events=("*",), status="enabled"):
    return {"id": "we_1", "url": url, "enabled_events": list(events), "status": status}


def test_the_endpoint_may_be_at_site_url_or_at_the_backend():
    settings = app_settings(SITE_URL="https://app.example.com")
    assert webhook_urls(settings, "https://api.example.com") == [
        APP, "https://api.example.com/api/webhooks/stripe"]
    assert webhook_urls(settings, "https://app.example.com/") == [APP]


def test_an_endpoint_with_every_handled_event_holds():
    assert endpoint_finding([endpoint(events=sorted(HANDLED_EVENTS))], [APP]).status == Status.OK
    assert endpoint_finding([endpoint(url=APP + "/")], [APP]).status == Status.OK


def test_missing_events_are_listed():
    left_out = sorted(HANDLED_EVENTS)[:2]
    found = endpoint_finding([endpoint(events=sorted(HANDLED_EVENTS - set(left_out)))], [APP])
    assert found.status == Status.FAILED
    assert found.summary == f"the webhook endpoint at {APP} doesn't send {', '.join(left_out)}"
    assert f"Add {', '.join(left_out)} to it" in found.fix


@pytest.mark.parametrize(("endpoints", "said"), [
    ([], "no webhook endpoint at"),
    ([endpoint(url="https://old.example.com/hook")], "(endpoints: https://old.example.com/hook)"),
    ([endpoint(), endpoint()], "2 webhook endpoints at"),
    ([endpoint(status="disabled")], "is disabled"),
])
def test_endpoints_that_fail(endpoints, said):
    found = endpoint_finding(endpoints, [APP])
    assert found.status == Status.FAILED and said in found.summary
    assert "Developers → Webhooks" in found.fix


def price(**changes):
    return {"id": "price_1", "active": True, "type": "recurring", "currency": "usd",
            "unit_amount": 2000, "recurring": {"interval": "month", "interval_count": 1},
            "product": {"id": "prod_1", "name": "Pro", "active": True}, **changes}


def test_price_problems():
    assert price_problems(price()) == []
    assert price_problems(price(type="one_time", recurring=None)) == [
        "price_1 is a one-time price: Subscribe sells subscriptions"]
    assert price_problems(price(active=False)) == ["price_1 is archived"]
    assert price_problems(price(product={"id": "prod_1", "name": "Pro", "active": False})) == [
        "price_1's product Pro is archived"]
    assert stripe_account.price_line(price()) == "price_1 (Pro, 20.00 USD every month)"


def key_check(monkeypatch, key, site_url):
    prices = SimpleNamespace(list_async=lambda params: asyncio.sleep(0))
    monkeypatch.setattr(clients, "stripe", lambda: SimpleNamespace(v1=SimpleNamespace(
        prices=prices)))
    settings = app_settings(STRIPE_SECRET_KEY=key, SITE_URL=site_url)
    [check] = [c for c in stripe_account.checks(settings, site_url, False)
               if c.name == stripe_account.KEY]
    return asyncio.run(check.run())


def test_a_live_key_with_a_localhost_site_url_is_a_warning(monkeypatch):
    found = key_check(monkeypatch, "sk_live_unit", "http://localhost:3000")
    assert found.status == Status.WARNING and found.holds
    assert "live mode" in found.summary and "Set SITE_URL" in found.fix
    assert key_check(monkeypatch, "sk_test_unit", "http://localhost:3000").summary == (
        "works, in test mode")
    assert key_check(monkeypatch, "rk_live_unit", "https://app.example.com").summary == (
        "works, in live mode")


def test_a_refused_or_restricted_key_names_the_fix():
    async def refused():
        raise stripe.AuthenticationError("Invalid API Key provided: sk_test_****unit")

    async def restricted():
        raise stripe.PermissionError("The provided key does not have the required permissions")

    found = asyncio.run(stripe_account.refusals("read access to prices")(refused)())
    assert found.status == Status.FAILED and found.summary == "Stripe refuses STRIPE_SECRET_KEY"
    assert found.fix.startswith("Set STRIPE_SECRET_KEY: Stripe: Developers → API keys")
    found = asyncio.run(stripe_account.refusals("read access to webhook endpoints")(restricted)())
    assert found.summary == ("STRIPE_SECRET_KEY is a restricted key without read access to "
                             "webhook endpoints")
    assert "Give the restricted key read access to webhook endpoints" in found.fix
