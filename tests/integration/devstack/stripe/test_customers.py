"""Customers: metadata, lists and paging."""

from __future__ import annotations

import time

import stripe

from tests.integration.devstack.stripe.harness import Standin


def test_customer_metadata_is_kept_and_merged_like_stripe(
    standin: Standin, customer: stripe.Customer
) -> None:
    assert customer.metadata.to_dict() == {"user_id": "u-1"}
    updated = standin.client.v1.customers.update(
        customer.id, params={"metadata": {"plan": "pro", "user_id": ""}, "name": "Some One"}
    )
    assert updated.metadata.to_dict() == {"plan": "pro"}
    assert updated.name == "Some One"
    assert standin.client.v1.customers.retrieve(customer.id).metadata.to_dict() == {"plan": "pro"}


def test_customer_list_filters_by_email_and_pages(standin: Standin) -> None:
    email = f"pager-{time.time_ns()}@example.com"
    made = [standin.client.v1.customers.create(params={"email": email}) for _ in range(3)]
    first = standin.client.v1.customers.list(params={"email": email, "limit": 2})
    assert [c.id for c in first.data] == [made[2].id, made[1].id]  # newest first
    assert first.has_more is True
    second = standin.client.v1.customers.list(
        params={"email": email, "limit": 2, "starting_after": first.data[-1].id}
    )
    assert [c.id for c in second.data] == [made[0].id]
    assert second.has_more is False
