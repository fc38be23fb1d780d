"""Devstack's control routes on the Stripe stand-in."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import stripe

from devstack.config import StackConfig
from devstack.stripe_standin.app import create_app
from tests.integration.devstack.stripe.harness import (
    PRO_YEARLY,
    ServerThread,
    Standin,
    client_for,
    free_port,
)


def test_control_routes_need_the_secret_key(standin: Standin) -> None:
    assert httpx.post(f"{standin.url}/__devstack/reset").status_code == 401
    assert (
        httpx.get(
            f"{standin.url}/__devstack/portal_sessions",
            headers={"Authorization": "Bearer sk_test_x"},
        ).status_code
        == 401
    )


def test_reset_returns_to_the_seed_and_the_clock_and_webhook_url_can_change(
    tmp_path: Path,
) -> None:
    config = StackConfig(state_dir=tmp_path, stripe_port=free_port())
    key = config.secrets.stripe_secret_key
    auth = {"Authorization": f"Bearer {key}"}
    with ServerThread(create_app(config), config.stripe_port) as server:
        client = client_for(server.url, key)
        customer = client.v1.customers.create(params={"email": "wiped@example.com"})
        hook = {
            "url": "http://127.0.0.1:9/hook",
            "enabled_events": ["customer.subscription.updated"],
        }
        changed = httpx.put(f"{server.url}/__devstack/webhook", headers=auth, json=hook).json()
        assert changed["url"] == hook["url"]
        assert changed["enabled_events"] == hook["enabled_events"]
        client.v1.customers.update(customer.id, params={"name": "Not delivered"})
        deliveries = httpx.get(f"{server.url}/__devstack/deliveries", headers=auth).json()
        assert deliveries["data"] == []  # customer.updated is not an enabled event

        advanced = httpx.post(
            f"{server.url}/__devstack/clock/advance", headers=auth, json={"seconds": 86400}
        )
        assert advanced.json()["offset"] == 86400
        assert httpx.post(f"{server.url}/__devstack/reset", headers=auth).json() == {"reset": True}
        assert httpx.get(f"{server.url}/__devstack/clock", headers=auth).json()["offset"] == 0
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.customers.retrieve(customer.id)
        assert client.v1.prices.retrieve(PRO_YEARLY).unit_amount == 19200
        config_list = client.v1.billing_portal.configurations.list(params={"is_default": True})
        assert [c.id for c in config_list.data] == ["bpc_devstack_default"]
        assert (
            httpx.get(f"{server.url}/__devstack/webhook", headers=auth).json()["url"] == hook["url"]
        )
