"""The webhook endpoint list shows where the stand-in delivers, as setup checks read it; the
control route changes it."""

from __future__ import annotations

import pytest
import stripe

from tests.integration.devstack.stripe.harness import Standin


def test_the_delivery_target_is_listed_as_an_endpoint(standin: Standin) -> None:
    [endpoint] = standin.client.v1.webhook_endpoints.list().data
    assert endpoint.id == "we_devstack_default"
    assert (endpoint.url, endpoint.status, endpoint.enabled_events) == (
        standin.receiver.url,
        "enabled",
        ["*"],
    )
    assert "secret" not in endpoint
    assert standin.client.v1.webhook_endpoints.retrieve(endpoint.id).url == endpoint.url


def test_the_control_route_changes_the_endpoint_and_its_events(standin: Standin) -> None:
    events = ["customer.subscription.updated", "invoice.paid"]
    try:
        changed = standin.control(
            "PUT", "/__devstack/webhook",
            json={"url": "http://127.0.0.1:9/other", "enabled_events": events},
        )
        assert changed.status_code == 200
        [endpoint] = standin.client.v1.webhook_endpoints.list().data
        assert (endpoint.url, endpoint.enabled_events) == ("http://127.0.0.1:9/other", events)
        standin.control("PUT", "/__devstack/webhook", json={"url": None})
        assert standin.client.v1.webhook_endpoints.list().data == []
        with pytest.raises(stripe.InvalidRequestError) as caught:
            standin.client.v1.webhook_endpoints.retrieve("we_devstack_default")
        assert caught.value.code == "resource_missing"
    finally:
        restored = {"url": standin.receiver.url, "enabled_events": ["*"]}
        standin.control("PUT", "/__devstack/webhook", json=restored)
