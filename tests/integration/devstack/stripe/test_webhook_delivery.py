"""Signed webhook delivery: signatures, retries, and deliveries that outlive a restart."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
import stripe

from devstack.config import StackConfig
from devstack.stripe_standin.app import create_app
from tests.integration.devstack.stripe.harness import (
    Receiver,
    ServerThread,
    Standin,
    client_for,
    free_port,
)


def test_a_tampered_webhook_fails_signature_verification(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    standin.wait_for_webhooks()
    record = standin.receiver.events_about(subscription.id)[0]
    tampered = record["body"].replace(b"active", b"canceled")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, record["signature"], standin.whsec)


def test_webhook_delivery_is_retried_after_the_receiver_fails(standin: Standin) -> None:
    standin.wait_for_webhooks()
    standin.receiver.fail_next = 2
    customer = standin.client.v1.customers.create(params={"email": "retry@example.com"})
    standin.wait_for_webhooks()
    attempts = standin.receiver.events_about(customer.id, delivered_only=False)
    assert [a["answered"] for a in attempts] == [500, 500, 200]
    event_id = json.loads(attempts[-1]["body"])["id"]
    record = standin.control("GET", "/__devstack/deliveries", params={"event": event_id}).json()[
        "data"
    ][0]
    assert record["status"] == "delivered"
    assert [a["status_code"] for a in record["attempts"]] == [500, 500, 200]
    assert standin.client.v1.events.retrieve(event_id).pending_webhooks == 0


def test_deliveries_pending_at_shutdown_resume_after_a_restart(tmp_path: Path) -> None:
    receiver = Receiver()
    hook_port = free_port()
    receiver.url = f"http://127.0.0.1:{hook_port}/hook"
    config = StackConfig(state_dir=tmp_path, stripe_port=free_port(), webhook_url=receiver.url)
    key = config.secrets.stripe_secret_key
    # Nothing listens on the hook port yet: the first attempt fails, the retry waits long.
    with ServerThread(create_app(config, webhook_retry_delays=(60,)), config.stripe_port) as first:
        customer = client_for(first.url, key).v1.customers.create(
            params={"email": "later@example.com"}
        )
        deadline = time.monotonic() + 10
        while True:
            records = httpx.get(
                f"{first.url}/__devstack/deliveries", headers={"Authorization": f"Bearer {key}"}
            ).json()["data"]
            if records and records[0]["attempts"]:
                break
            assert time.monotonic() < deadline, records
            time.sleep(0.05)
        assert records[0]["status"] == "pending"
        assert records[0]["attempts"][0]["status_code"] is None  # connection refused
    with (
        ServerThread(receiver.app(), hook_port),
        ServerThread(create_app(config), config.stripe_port) as second,
    ):
        wait = httpx.post(
            f"{second.url}/__devstack/deliveries/wait",
            headers={"Authorization": f"Bearer {key}"},
            json={"timeout": 20},
            timeout=30,
        )
        assert wait.json()["idle"] is True
    got = receiver.events_about(customer.id)
    assert [json.loads(r["body"])["type"] for r in got] == ["customer.created"]
    stripe.Webhook.construct_event(
        got[0]["body"], got[0]["signature"], config.secrets.stripe_webhook_secret
    )
