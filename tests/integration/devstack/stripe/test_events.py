"""Events: every change is published as one, listed newest first."""

from __future__ import annotations

import stripe

from tests.integration.devstack.stripe.harness import Standin


def test_events_are_listed_newest_first_and_filtered_by_type(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    standin.client.v1.subscriptions.update(subscription.id, params={"metadata": {"step": "2"}})
    events = standin.client.v1.events.list(
        params={
            "types": ["customer.subscription.created", "customer.subscription.updated"],
            "limit": 5,
        }
    )
    mine = [e for e in events.data if e.data.object.id == subscription.id]
    assert [e.type for e in mine] == [
        "customer.subscription.updated",
        "customer.subscription.created",
    ]
    assert mine[0].data.previous_attributes.to_dict() == {"metadata": {"user_id": "u-1"}}
