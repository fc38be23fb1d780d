"""The /v1 pipeline every route shares: authentication, request ids, parameter checks, errors,
`expand[]` and idempotency."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe

from tests.integration.devstack.stripe.harness import PRO_MONTHLY, Standin, client_for


def test_wrong_key_is_refused_with_401_and_the_right_key_works(standin: Standin) -> None:
    wrong = client_for(standin.url, "sk_test_not_the_right_key_abcd")
    with pytest.raises(stripe.AuthenticationError) as caught:
        wrong.v1.customers.list()
    assert caught.value.http_status == 401
    assert caught.value.user_message == "Invalid API Key provided: sk_test_" + "*" * 18 + "abcd"
    assert caught.value.json_body["error"]["type"] == "invalid_request_error"
    assert standin.client.v1.customers.list(params={"limit": 1}).object == "list"


def test_missing_key_gets_stripes_no_key_message(standin: Standin) -> None:
    response = httpx.get(f"{standin.url}/v1/customers")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("You did not provide an API key.")


def test_http_basic_auth_with_the_key_as_user_name_works(standin: Standin) -> None:
    response = httpx.get(f"{standin.url}/v1/prices/{PRO_MONTHLY}", auth=(standin.key, ""))
    assert response.status_code == 200
    assert response.json()["unit_amount"] == 2000


def test_every_response_carries_a_request_id(standin: Standin) -> None:
    ok = standin.raw("GET", f"/v1/prices/{PRO_MONTHLY}")
    missing = standin.raw("GET", "/v1/customers/cus_nope")
    unauthorized = httpx.get(f"{standin.url}/v1/customers")
    for response in (ok, missing, unauthorized):
        assert response.headers["request-id"].startswith("req_")
    assert ok.headers["request-id"] != missing.headers["request-id"]


def test_unknown_path_id_is_a_404_resource_missing(standin: Standin) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.customers.retrieve("cus_doesnotexist")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert caught.value.param == "id"
    assert caught.value.user_message == "No such customer: 'cus_doesnotexist'"
    assert (
        caught.value.json_body["error"]["doc_url"]
        == "https://stripe.com/docs/error-codes/resource-missing"
    )


def test_unknown_parameter_is_refused(standin: Standin) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.customers.create(params={"email": "a@example.com", "foo": "bar"})  # type: ignore[typeddict-unknown-key]
    assert caught.value.code == "parameter_unknown"
    assert caught.value.param == "foo"
    assert caught.value.user_message == "Received unknown parameter: foo"


def test_a_documented_parameter_the_stand_in_lacks_is_refused_not_ignored(
    standin: Standin, customer: stripe.Customer
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.customers.list(params={"created": {"gt": 0}})
    assert (caught.value.http_status, caught.value.param) == (400, "created")
    assert caught.value.user_message == (
        "The devstack Stripe stand-in does not support the parameter `created`."
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"price": PRO_MONTHLY, "quantity": 2}]}
        )
    assert caught.value.param == "items[0][quantity]"
    assert standin.client.v1.subscriptions.list(params={"customer": customer.id}).data == []


def test_unrecognized_url_is_stripes_404(standin: Standin) -> None:
    response = standin.raw("GET", "/v1/no_such_things")
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith(
        "Unrecognized request URL (GET: /v1/no_such_things)"
    )


def test_expand_items_price_product_on_a_subscription(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    sub = standin.client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["customer", "items.data.price.product"]}
    )
    assert sub.customer.object == "customer"
    assert sub["items"].data[0].price.product.name == "Pro"


def test_expanding_a_plain_field_is_refused(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.subscriptions.retrieve(subscription.id, params={"expand": ["status"]})
    assert "cannot be expanded (status)" in caught.value.user_message


def test_idempotent_replay_returns_the_same_object_and_creates_nothing_new(
    standin: Standin,
) -> None:
    email = f"idem-{time.time_ns()}@example.com"
    key = f"key-{time.time_ns()}"
    first = standin.raw(
        "POST", "/v1/customers", data={"email": email}, headers={"Idempotency-Key": key}
    )
    again = standin.raw(
        "POST", "/v1/customers", data={"email": email}, headers={"Idempotency-Key": key}
    )
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["original-request"] == first.headers["request-id"]
    assert len(standin.client.v1.customers.list(params={"email": email}).data) == 1


def test_idempotency_key_reused_with_other_params_is_an_idempotency_error(standin: Standin) -> None:
    key = f"key-{time.time_ns()}"
    standin.client.v1.customers.create(
        params={"email": "one@example.com"}, options={"idempotency_key": key}
    )
    with pytest.raises(stripe.IdempotencyError) as caught:
        standin.client.v1.customers.create(
            params={"email": "two@example.com"}, options={"idempotency_key": key}
        )
    assert caught.value.http_status == 400
    assert caught.value.json_body["error"]["type"] == "idempotency_error"
