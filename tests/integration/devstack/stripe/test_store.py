"""The stand-in's state outlives a restart."""

from __future__ import annotations

from pathlib import Path

from devstack.config import StackConfig
from devstack.stripe_standin.app import create_app
from tests.integration.devstack.stripe.harness import (
    PRO_MONTHLY,
    VISA_DEFAULT,
    ServerThread,
    client_for,
    free_port,
)


def test_restart_keeps_customers_and_subscriptions(tmp_path: Path) -> None:
    config = StackConfig(state_dir=tmp_path, stripe_port=free_port())
    key = config.secrets.stripe_secret_key
    with ServerThread(create_app(config), config.stripe_port) as first:
        client = client_for(first.url, key)
        customer = client.v1.customers.create(
            params={"email": "stays@example.com", "metadata": {"k": "v"}, **VISA_DEFAULT}
        )
        sub = client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"price": PRO_MONTHLY}]}
        )
    assert config.stripe_state_file.exists()
    with ServerThread(create_app(config), config.stripe_port) as second:
        client = client_for(second.url, key)
        assert client.v1.customers.retrieve(customer.id).metadata.to_dict() == {"k": "v"}
        assert client.v1.subscriptions.retrieve(sub.id).status == "active"
        assert client.v1.invoices.list(params={"subscription": sub.id}).data[0].status == "paid"
        # The catalogue is not seeded twice: Pro has monthly, yearly and a setup fee.
        assert len(client.v1.prices.list(params={"product": "prod_devstack_pro"}).data) == 3
