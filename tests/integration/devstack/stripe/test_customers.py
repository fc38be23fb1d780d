"""Customers: metadata, lists and paging, deleting."""

from __future__ import annotations

import time

import pytest
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


def test_a_deleted_customer_is_gone_as_on_stripe(standin: Standin) -> None:
    email = f"throwaway-{time.time_ns()}@example.com"
    made = standin.client.v1.customers.create(params={"email": email})
    deleted = standin.client.v1.customers.delete(made.id)
    assert deleted.to_dict() == {"id": made.id, "object": "customer", "deleted": True}
    # Retrieving it answers Stripe's deleted_customer object; lists and new work leave it out.
    assert standin.client.v1.customers.retrieve(made.id).to_dict() == deleted.to_dict()
    assert standin.client.v1.customers.list(params={"email": email}).data == []
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.billing_portal.sessions.create(params={"customer": made.id})
    assert caught.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as again:
        standin.client.v1.customers.delete(made.id)
    assert again.value.code == "resource_missing"
    assert standin.event_types(made.id) == ["customer.created", "customer.deleted"]


def test_deleting_a_customer_with_a_card_is_refused_as_unsupported(
    standin: Standin, customer: stripe.Customer
) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="does not support deleting"):
        standin.client.v1.customers.delete(customer.id)
    assert standin.client.v1.customers.retrieve(customer.id).email == customer.email
