"""The Stripe stand-in each test module drives over real HTTP with the real stripe-python
client, with a receiver recording the signed webhooks it delivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from devstack.config import StackConfig
from devstack.stripe_standin.app import create_app
from tests.integration.devstack.stripe import harness
from tests.integration.devstack.stripe.harness import Standin


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standin]:
    receiver = harness.Receiver()
    with harness.ServerThread(receiver.app(), harness.free_port()) as hook_server:
        receiver.url = f"{hook_server.url}/hook"
        config = StackConfig(
            state_dir=tmp_path_factory.mktemp("stripe-standin"),
            stripe_port=harness.free_port(),
            webhook_url=receiver.url,
        )
        app = create_app(config, webhook_retry_delays=(0.1, 0.2, 0.4))
        with harness.ServerThread(app, config.stripe_port) as server:
            client = harness.client_for(server.url, config.secrets.stripe_secret_key)
            yield Standin(config, server.url, receiver, client, app)


@pytest.fixture
def customer(standin: Standin) -> stripe.Customer:
    """A customer paying with Stripe's test Visa (4242) by default."""
    return standin.client.v1.customers.create(
        params={
            "email": "someone@example.com",
            "metadata": {"user_id": "u-1"},
            **harness.VISA_DEFAULT,
        }
    )


@pytest.fixture
def subscription(standin: Standin, customer: stripe.Customer) -> stripe.Subscription:
    return standin.client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": harness.PRO_MONTHLY}],
            "metadata": {"user_id": "u-1"},
        }
    )
