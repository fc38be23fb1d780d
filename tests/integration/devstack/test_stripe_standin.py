"""The Stripe stand-in, driven over real HTTP by the real stripe-python client.

Each test names the Stripe behaviour it shows. A local webhook receiver (a second small server)
records what the stand-in delivers, so webhook tests check real signed POSTs.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import httpx
import pytest
import stripe
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.config import StackConfig
from devstack.stripe_standin.app import create_app
from devstack.stripe_standin.resources import portal

# Key sets of Stripe's own example objects (see the file's "_source").
STRIPE_KEYS = Path(__file__).resolve().parents[2] / "reference" / "stripe_object_keys.json"
PRO_MONTHLY = "price_devstack_pro_monthly"
PRO_YEARLY = "price_devstack_pro_yearly"
TEAM_MONTHLY = "price_devstack_team_monthly"
NO_PORTAL_SETTINGS = (
    "You can't create a portal session in test mode until you save your customer portal "
    "settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal."
)


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """An ASGI app served by uvicorn in a background thread."""

    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Receiver:
    """Records webhook POSTs; answers 500 to the next `fail_next` of them."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                failing = self.fail_next > 0
                if failing:
                    self.fail_next -= 1
                self.received.append(
                    {
                        "body": body,
                        "signature": request.headers.get("stripe-signature", ""),
                        "answered": 500 if failing else 200,
                    }
                )
            return JSONResponse({"received": not failing}, 500 if failing else 200)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def events_about(self, object_id: str, delivered_only: bool = True) -> list[dict[str, Any]]:
        with self.lock:
            records = list(self.received)
        found = []
        for record in records:
            if delivered_only and record["answered"] != 200:
                continue
            event = json.loads(record["body"])
            if event["data"]["object"].get("id") == object_id:
                found.append({**record, "event": event})
        return found


@dataclass
class Standin:
    config: StackConfig
    url: str
    receiver: Receiver
    client: stripe.StripeClient
    app: Starlette

    @property
    def key(self) -> str:
        return self.config.secrets.stripe_secret_key

    @property
    def whsec(self) -> str:
        return self.config.secrets.stripe_webhook_secret

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A /v1 call without stripe-python, to see exact bodies and headers."""
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def wait_for_webhooks(self) -> None:
        answer = self.control("POST", "/__devstack/deliveries/wait", json={"timeout": 20}).json()
        assert answer["idle"], answer


def client_for(url: str, key: str, retries: int = 2) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=retries)


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standin]:
    receiver = Receiver()
    with ServerThread(receiver.app(), free_port()) as hook_server:
        receiver.url = f"{hook_server.url}/hook"
        config = StackConfig(
            state_dir=tmp_path_factory.mktemp("stripe-standin"),
            stripe_port=free_port(),
            webhook_url=receiver.url,
        )
        app = create_app(config, webhook_retry_delays=(0.1, 0.2, 0.4))
        with ServerThread(app, config.stripe_port) as server:
            client = client_for(server.url, config.secrets.stripe_secret_key)
            yield Standin(config, server.url, receiver, client, app)


@pytest.fixture
def customer(standin: Standin) -> stripe.Customer:
    return standin.client.v1.customers.create(
        params={"email": "someone@example.com", "metadata": {"user_id": "u-1"}}
    )


@pytest.fixture
def subscription(standin: Standin, customer: stripe.Customer) -> stripe.Subscription:
    return standin.client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": PRO_MONTHLY}],
            "metadata": {"user_id": "u-1"},
        }
    )


def portal_session(
    standin: Standin, customer_id: str, **params: Any
) -> stripe.billing_portal.Session:
    return standin.client.v1.billing_portal.sessions.create(
        params={
            "customer": customer_id,
            "return_url": "http://localhost:3000/dashboard/settings/billing",
            **params,
        }
    )


# --- object shapes --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_objects(standin: Standin) -> dict[str, dict[str, Any]]:
    """One object of each type the stand-in returns, as raw JSON."""
    customer = standin.raw("POST", "/v1/customers", data={"email": "shapes@example.com"}).json()
    sub = standin.raw(
        "POST",
        "/v1/subscriptions",
        data={"customer": customer["id"], "items[0][price]": PRO_MONTHLY},
    ).json()
    checkout = standin.raw(
        "POST",
        "/v1/checkout/sessions",
        data={
            "mode": "subscription",
            "customer": customer["id"],
            "line_items[0][price]": PRO_MONTHLY,
            "line_items[0][quantity]": "1",
            "success_url": "http://localhost:3000/ok?session_id={CHECKOUT_SESSION_ID}",
        },
    ).json()
    portal = standin.raw(
        "POST", "/v1/billing_portal/sessions", data={"customer": customer["id"]}
    ).json()
    configuration = standin.raw(
        "GET", f"/v1/billing_portal/configurations/{portal['configuration']}"
    ).json()
    event = standin.raw(
        "GET", "/v1/events", params={"type": "customer.subscription.created", "limit": 1}
    ).json()["data"][0]
    product = standin.raw("GET", "/v1/products/prod_devstack_pro").json()
    price = standin.raw("GET", f"/v1/prices/{PRO_MONTHLY}").json()
    item = sub["items"]["data"][0]
    return {
        "customer": customer,
        "product": product,
        "price": price,
        "plan": item["plan"],
        "subscription": sub,
        "subscription_item": item,
        "checkout.session": checkout,
        "billing_portal.session": portal,
        "billing_portal.configuration": configuration,
        "event": event,
    }


OBJECT_TYPES = [
    "customer",
    "product",
    "price",
    "plan",
    "subscription",
    "subscription_item",
    "checkout.session",
    "billing_portal.session",
    "billing_portal.configuration",
    "event",
]


@pytest.mark.parametrize("object_type", OBJECT_TYPES)
def test_object_carries_every_top_level_key_of_stripes_example(
    sample_objects: dict, object_type: str
) -> None:
    example_keys = json.loads(STRIPE_KEYS.read_text())["resources"][object_type]
    ours = sample_objects[object_type]
    missing = set(example_keys) - set(ours)
    assert not missing, f"{object_type} lacks {sorted(missing)}"
    assert ours["object"] == object_type
    if "livemode" in example_keys:
        assert ours["livemode"] is False


def test_ids_look_like_stripes(sample_objects: dict) -> None:
    prefixes = {
        "customer": "cus_",
        "subscription": "sub_",
        "subscription_item": "si_",
        "checkout.session": "cs_test_",
        "billing_portal.session": "bps_",
        "billing_portal.configuration": "bpc_",
        "event": "evt_",
    }
    for object_type, prefix in prefixes.items():
        assert sample_objects[object_type]["id"].startswith(prefix), object_type


def test_billing_periods_live_on_the_subscription_item(sample_objects: dict) -> None:
    sub = sample_objects["subscription"]
    item = sub["items"]["data"][0]
    assert "current_period_end" not in sub
    assert item["current_period_start"] == sub["start_date"]
    # One calendar month: 28 to 31 days.
    assert 28 * 86400 <= item["current_period_end"] - item["current_period_start"] <= 31 * 86400


# --- authentication and request basics -----------------------------------------------------


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


def test_unrecognized_url_is_stripes_404(standin: Standin) -> None:
    response = standin.raw("GET", "/v1/no_such_things")
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith(
        "Unrecognized request URL (GET: /v1/no_such_things)"
    )


# --- customers, catalogue, lists ---------------------------------------------------------------


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


def test_seeded_prices_are_found_by_lookup_key(standin: Standin) -> None:
    prices = standin.client.v1.prices.list(
        params={"lookup_keys": ["pro_monthly", "pro_yearly"], "active": True}
    )
    assert sorted(p.id for p in prices.data) == [PRO_MONTHLY, PRO_YEARLY]
    team = standin.client.v1.prices.retrieve(TEAM_MONTHLY, params={"expand": ["product"]})
    assert (team.unit_amount, team.recurring.interval, team.product.name) == (4900, "month", "Team")


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


# --- portal sessions ----------------------------------------------------------------------------


def test_portal_session_is_created_for_a_customer(
    standin: Standin, customer: stripe.Customer
) -> None:
    session = portal_session(standin, customer.id)
    assert session.object == "billing_portal.session"
    assert session.customer == customer.id
    assert session.configuration == "bpc_devstack_default"
    assert session.return_url == "http://localhost:3000/dashboard/settings/billing"
    assert session.url.startswith(f"{standin.url}/p/session/")


def test_portal_session_for_unknown_customer_is_resource_missing(standin: Standin) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        portal_session(standin, "cus_unknown123")
    assert caught.value.http_status == 400
    assert (caught.value.code, caught.value.param) == ("resource_missing", "customer")
    assert caught.value.user_message == "No such customer: 'cus_unknown123'"


@pytest.mark.parametrize("bad_url", ["not a url", "/relative/path", "ftp://example.com/x", ""])
def test_portal_session_with_bad_return_url_is_url_invalid(
    standin: Standin, customer: stripe.Customer, bad_url: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        portal_session(standin, customer.id, return_url=bad_url)
    assert (caught.value.code, caught.value.param) == ("url_invalid", "return_url")
    assert caught.value.user_message == "Not a valid URL"


def test_portal_session_without_customer_is_parameter_missing(standin: Standin) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.billing_portal.sessions.create(
            params={"return_url": "https://example.com"}
        )
    assert (caught.value.code, caught.value.param) == ("parameter_missing", "customer")
    assert caught.value.user_message == "Missing required param: customer."


def test_portal_session_with_unknown_configuration_is_resource_missing(
    standin: Standin, customer: stripe.Customer
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        portal_session(standin, customer.id, configuration="bpc_missing123")
    assert caught.value.http_status == 400
    assert (caught.value.code, caught.value.param) == ("resource_missing", "configuration")
    assert caught.value.user_message == "No such configuration: 'bpc_missing123'"


def test_portal_session_without_saved_settings_gets_the_test_mode_message(
    standin: Standin, customer: stripe.Customer
) -> None:
    assert (
        standin.control("DELETE", "/__devstack/portal_configuration/default").json()["removed"]
        == "bpc_devstack_default"
    )
    try:
        with pytest.raises(stripe.InvalidRequestError) as caught:
            portal_session(standin, customer.id)
        assert caught.value.http_status == 400
        assert caught.value.user_message == NO_PORTAL_SETTINGS
    finally:
        restored = standin.control("PUT", "/__devstack/portal_configuration/default").json()
    assert restored["default_configuration"]["id"] == "bpc_devstack_default"
    assert portal_session(standin, customer.id).configuration == "bpc_devstack_default"


def test_portal_session_with_a_created_configuration(
    standin: Standin, customer: stripe.Customer
) -> None:
    configuration = standin.client.v1.billing_portal.configurations.create(
        params={
            "features": {
                "subscription_cancel": {"enabled": True, "mode": "immediately"},
                "invoice_history": {"enabled": True},
            },
            "default_return_url": "https://example.com/account",
        }
    )
    assert configuration.is_default is False
    session = portal_session(standin, customer.id, configuration=configuration.id)
    assert session.configuration == configuration.id


def test_portal_page_is_html_with_the_stand_in_banner(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    session = portal_session(standin, subscription.customer)
    page = httpx.get(session.url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Local stand-in for Stripe&#x27;s hosted customer portal" in page.text
    assert "someone@example.com" in page.text
    assert "Pro Monthly" in page.text and "Renews on" in page.text


def test_two_portal_sessions_have_different_urls(
    standin: Standin, customer: stripe.Customer
) -> None:
    first, second = portal_session(standin, customer.id), portal_session(standin, customer.id)
    assert first.id != second.id and first.url != second.url
    recorded = standin.control(
        "GET", "/__devstack/portal_sessions", params={"customer": customer.id}
    ).json()["data"]
    assert [s["id"] for s in recorded][-2:] == [first.id, second.id]


def test_portal_link_must_be_opened_within_five_minutes(
    standin: Standin, customer: stripe.Customer
) -> None:
    session = portal_session(standin, customer.id)
    secret = session.url.rsplit("/", 1)[-1]
    account = standin.app.state.account
    # Asked about six minutes from now, the unopened link has expired...
    assert portal.link(account, secret, session.created + 360)[1] == "expired"
    # ...but opened now it works, and keeps working while the customer browses.
    assert httpx.get(session.url).status_code == 200
    assert portal.link(account, secret, session.created + 360)[1] == "ok"


def test_unknown_portal_link_is_404(standin: Standin) -> None:
    assert httpx.get(f"{standin.url}/p/session/test_made_up").status_code == 404


def test_portal_flow_data_is_validated_and_echoed(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    session = portal_session(
        standin,
        subscription.customer,
        flow_data={
            "type": "subscription_cancel",
            "subscription_cancel": {"subscription": subscription.id},
        },
    )
    assert session.flow.type == "subscription_cancel"
    assert session.flow.subscription_cancel.subscription == subscription.id
    assert session.flow.after_completion.type == "portal_homepage"
    other = standin.client.v1.customers.create(params={"email": "other@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        portal_session(
            standin,
            other.id,
            flow_data={
                "type": "subscription_update",
                "subscription_update": {"subscription": subscription.id},
            },
        )
    assert caught.value.param == "flow_data[subscription_update][subscription]"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        portal_session(standin, subscription.customer, flow_data={"type": "subscription_cancel"})
    assert caught.value.code == "parameter_missing"


# --- idempotency ------------------------------------------------------------------------------


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


# --- subscriptions and their webhooks ---------------------------------------------------------


def test_subscription_changes_fire_signed_webhooks_in_order(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    sub_id = subscription.id
    item = subscription["items"].data[0]
    period_end = item.current_period_end

    canceling = standin.client.v1.subscriptions.update(
        sub_id, params={"cancel_at_period_end": True}
    )
    assert canceling.cancel_at_period_end is True
    assert canceling.cancel_at == period_end
    assert canceling.canceled_at is not None
    assert canceling.cancellation_details.reason == "cancellation_requested"

    kept = standin.client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": False})
    assert (kept.cancel_at_period_end, kept.cancel_at, kept.canceled_at) == (False, None, None)

    switched = standin.client.v1.subscriptions.update(
        sub_id,
        params={
            "items": [{"id": item.id, "price": TEAM_MONTHLY}],
            "proration_behavior": "create_prorations",
        },
    )
    assert switched["items"].data[0].id == item.id
    assert switched["items"].data[0].price.id == TEAM_MONTHLY

    canceled = standin.client.v1.subscriptions.cancel(sub_id)
    assert canceled.status == "canceled"
    assert canceled.canceled_at is not None and canceled.ended_at is not None

    standin.wait_for_webhooks()
    got = standin.receiver.events_about(sub_id)
    events = [stripe.Webhook.construct_event(r["body"], r["signature"], standin.whsec) for r in got]
    assert [e.type for e in events] == [
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]
    assert events[1].data.previous_attributes["cancel_at_period_end"] is False
    assert events[2].data.previous_attributes["cancel_at_period_end"] is True
    assert events[3].data.previous_attributes["items"]["data"][0]["price"]["id"] == PRO_MONTHLY
    assert events[4].data.object.status == "canceled"
    assert events[1].request.id is not None and events[1].api_version == stripe.api_version


def test_a_tampered_webhook_fails_signature_verification(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    standin.wait_for_webhooks()
    record = standin.receiver.events_about(subscription.id)[0]
    tampered = record["body"].replace(b"active", b"canceled")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, record["signature"], standin.whsec)


def test_updating_a_canceled_subscription_is_refused(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    standin.client.v1.subscriptions.cancel(subscription.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.subscriptions.update(
            subscription.id, params={"cancel_at_period_end": True}
        )
    assert (
        "A canceled subscription can only update its cancellation_details and metadata."
        == caught.value.user_message
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.subscriptions.cancel(subscription.id)
    assert caught.value.code == "resource_missing"


def test_subscription_list_hides_canceled_unless_asked(
    standin: Standin, customer: stripe.Customer
) -> None:
    keep = standin.client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": PRO_MONTHLY}]}
    )
    gone = standin.client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": PRO_YEARLY}]}
    )
    standin.client.v1.subscriptions.cancel(gone.id)
    default = standin.client.v1.subscriptions.list(params={"customer": customer.id})
    everything = standin.client.v1.subscriptions.list(
        params={"customer": customer.id, "status": "all"}
    )
    assert [s.id for s in default.data] == [keep.id]
    assert [s.id for s in everything.data] == [gone.id, keep.id]


# --- the portal page's buttons --------------------------------------------------------------


def test_portal_page_buttons_change_the_subscription_and_fire_webhooks(
    standin: Standin, subscription: stripe.Subscription
) -> None:
    session = portal_session(standin, subscription.customer)
    page_path = session.url.removeprefix(standin.url)
    action = f"{session.url}/subscriptions/{subscription.id}"
    with httpx.Client() as browser:
        assert "Cancel subscription" in browser.get(session.url).text

        response = browser.post(f"{action}/cancel", data={"feedback": "too_expensive"})
        assert response.status_code == 303 and response.headers["location"] == page_path
        sub = standin.client.v1.subscriptions.retrieve(subscription.id)
        assert sub.cancel_at_period_end is True
        assert sub.cancellation_details.feedback == "too_expensive"
        page = browser.get(session.url).text
        assert "Cancels on" in page and "Reactivate" in page

        assert browser.post(f"{action}/reactivate").status_code == 303
        assert (
            standin.client.v1.subscriptions.retrieve(subscription.id).cancel_at_period_end is False
        )

        page = browser.get(session.url).text
        assert "Switch to Pro Yearly" in page and "Switch to Team Monthly" in page
        assert browser.post(f"{action}/switch", data={"price": PRO_YEARLY}).status_code == 303
        sub = standin.client.v1.subscriptions.retrieve(subscription.id)
        assert sub["items"].data[0].price.id == PRO_YEARLY
        assert sub["items"].data[0].id == subscription["items"].data[0].id

        refused = browser.post(f"{action}/switch", data={"price": "price_not_offered"})
        assert refused.status_code == 403

    standin.wait_for_webhooks()
    got = standin.receiver.events_about(subscription.id)
    events = [stripe.Webhook.construct_event(r["body"], r["signature"], standin.whsec) for r in got]
    assert [e.type for e in events] == ["customer.subscription.created"] + [
        "customer.subscription.updated"
    ] * 3
    assert events[1].data.object.cancel_at_period_end is True
    assert events[2].data.object.cancel_at_period_end is False
    assert events[3].data.object["items"]["data"][0]["price"]["id"] == PRO_YEARLY
    assert events[1].request.id is None  # made in the portal, not by an API call


# --- checkout -----------------------------------------------------------------------------------


def test_checkout_page_completes_the_session_and_creates_the_subscription(standin: Standin) -> None:
    email = f"buyer-{time.time_ns()}@example.com"
    session = standin.client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer_email": email,
            "client_reference_id": "user-42",
            "line_items": [{"price": PRO_MONTHLY, "quantity": 1}],
            "subscription_data": {"metadata": {"user_id": "user-42"}},
            "success_url": "http://localhost:3000/welcome?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://localhost:3000/pricing",
            "allow_promotion_codes": True,
        }
    )
    assert (session.status, session.payment_status, session.amount_total) == (
        "open",
        "unpaid",
        2000,
    )
    assert session.expires_at - session.created == 24 * 3600
    assert session.url == f"{standin.url}/c/pay/{session.id}"

    page = httpx.get(session.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Local stand-in for Stripe&#x27;s hosted checkout" in page.text
    assert "$20.00 / month" in page.text and "http://localhost:3000/pricing" in page.text

    paid = httpx.post(session.url)
    assert paid.status_code == 303
    assert paid.headers["location"] == f"http://localhost:3000/welcome?session_id={session.id}"

    done = standin.client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["subscription"]}
    )
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.subscription.metadata.to_dict() == {"user_id": "user-42"}
    assert done.subscription.status == "active"
    assert done.subscription.customer == done.customer
    assert standin.client.v1.customers.retrieve(done.customer).email == email

    again = httpx.post(session.url)
    assert again.status_code == 409
    assert len(standin.client.v1.subscriptions.list(params={"customer": done.customer}).data) == 1

    standin.wait_for_webhooks()
    completed = standin.receiver.events_about(session.id)
    assert [json.loads(r["body"])["type"] for r in completed] == ["checkout.session.completed"]
    event = stripe.Webhook.construct_event(
        completed[0]["body"], completed[0]["signature"], standin.whsec
    )
    assert event.data.object.subscription == done.subscription.id
    assert event.data.object.client_reference_id == "user-42"
    created = standin.receiver.events_about(done.subscription.id)
    assert [json.loads(r["body"])["type"] for r in created] == ["customer.subscription.created"]


def test_checkout_refuses_other_modes_and_bad_urls(standin: Standin) -> None:
    base = {
        "line_items": [{"price": PRO_MONTHLY, "quantity": 1}],
        "success_url": "https://example.com/ok",
    }
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.checkout.sessions.create(params={**base, "mode": "payment"})
    assert "stand-in does not support" in caught.value.user_message
    with pytest.raises(stripe.InvalidRequestError) as caught:
        standin.client.v1.checkout.sessions.create(
            params={**base, "mode": "subscription", "cancel_url": "nope"}
        )
    assert (caught.value.code, caught.value.param) == ("url_invalid", "cancel_url")


def test_expired_checkout_session_cannot_be_paid(standin: Standin) -> None:
    session = standin.client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer_email": "late@example.com",
            "line_items": [{"price": PRO_MONTHLY, "quantity": 1}],
            "success_url": "https://example.com/ok",
        }
    )
    expired = standin.client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    assert httpx.get(session.url).status_code == 410
    assert httpx.post(session.url).status_code == 410


# --- webhook delivery -------------------------------------------------------------------------


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


# --- faults and latency -----------------------------------------------------------------------


def test_injected_error_answers_stripes_500_shape_and_clears(standin: Standin) -> None:
    once = client_for(standin.url, standin.key, retries=0)
    standin.control(
        "POST", "/__devstack/faults", json={"kind": "stripe", "mode": "error", "times": 1}
    )
    with pytest.raises(stripe.APIError) as caught:
        once.v1.prices.retrieve(PRO_MONTHLY)
    assert caught.value.http_status == 500
    assert caught.value.json_body["error"]["type"] == "api_error"
    assert once.v1.prices.retrieve(PRO_MONTHLY).id == PRO_MONTHLY


def test_injected_rate_limit_answers_429_and_clears(standin: Standin) -> None:
    once = client_for(standin.url, standin.key, retries=0)
    standin.control("POST", "/__devstack/faults", json={"kind": "stripe", "mode": "rate_limit"})
    try:
        with pytest.raises(stripe.RateLimitError) as caught:
            once.v1.prices.retrieve(PRO_MONTHLY)
        assert caught.value.http_status == 429
        assert caught.value.json_body["error"]["code"] == "rate_limit"
        # The pages are not the API: they keep working during an API fault.
        assert httpx.get(f"{standin.url}/__devstack/health").status_code == 200
    finally:
        standin.control("DELETE", "/__devstack/faults")
    assert once.v1.prices.retrieve(PRO_MONTHLY).id == PRO_MONTHLY


def test_a_retrying_client_gets_through_a_single_500(standin: Standin) -> None:
    standin.control(
        "POST", "/__devstack/faults", json={"kind": "stripe", "mode": "error", "times": 1}
    )
    assert standin.client.v1.prices.retrieve(PRO_MONTHLY).id == PRO_MONTHLY


def test_injected_latency_delays_api_calls(standin: Standin) -> None:
    standin.control("PUT", "/__devstack/latency", json={"stripe": 300})
    try:
        started = time.monotonic()
        standin.client.v1.prices.retrieve(PRO_MONTHLY)
        assert time.monotonic() - started >= 0.3
    finally:
        standin.control("PUT", "/__devstack/latency", json={"stripe": 0})


def test_control_routes_need_the_secret_key(standin: Standin) -> None:
    assert httpx.post(f"{standin.url}/__devstack/reset").status_code == 401
    assert (
        httpx.get(
            f"{standin.url}/__devstack/portal_sessions",
            headers={"Authorization": "Bearer sk_test_x"},
        ).status_code
        == 401
    )


# --- persistence --------------------------------------------------------------------------------


def test_restart_keeps_customers_and_subscriptions(tmp_path: Path) -> None:
    config = StackConfig(state_dir=tmp_path, stripe_port=free_port())
    key = config.secrets.stripe_secret_key
    with ServerThread(create_app(config), config.stripe_port) as first:
        client = client_for(first.url, key)
        customer = client.v1.customers.create(
            params={"email": "stays@example.com", "metadata": {"k": "v"}}
        )
        sub = client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"price": PRO_MONTHLY}]}
        )
    assert config.stripe_state_file.exists()
    with ServerThread(create_app(config), config.stripe_port) as second:
        client = client_for(second.url, key)
        assert client.v1.customers.retrieve(customer.id).metadata.to_dict() == {"k": "v"}
        assert client.v1.subscriptions.retrieve(sub.id).status == "active"
        # The catalogue is not seeded twice.
        assert len(client.v1.prices.list(params={"product": "prod_devstack_pro"}).data) == 2


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


def test_reset_returns_to_the_seed_and_webhook_url_can_change(tmp_path: Path) -> None:
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

        assert httpx.post(f"{server.url}/__devstack/reset", headers=auth).json() == {"reset": True}
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.customers.retrieve(customer.id)
        assert client.v1.prices.retrieve(PRO_YEARLY).unit_amount == 19200
        config_list = client.v1.billing_portal.configurations.list(params={"is_default": True})
        assert [c.id for c in config_list.data] == ["bpc_devstack_default"]
        assert (
            httpx.get(f"{server.url}/__devstack/webhook", headers=auth).json()["url"] == hook["url"]
        )
