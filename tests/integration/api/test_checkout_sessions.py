"""POST /api/checkout_sessions, in-process against the stand-ins: Subscribe's other front door."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.helpers import Devstack, bearer
from tests.in_process import InProcessApp, running
from tests.stripe_events import deliver, events_for

FAILED = {"error": "Failed to create checkout session"}


def post_checkout(app: InProcessApp, **kwargs) -> httpx.Response:
    return app.post("/api/checkout_sessions", **kwargs)


def session_for(stripe_client, url: str):
    session_id = url.rstrip("/").rsplit("/", 1)[-1]
    return stripe_client.v1.checkout.sessions.retrieve(session_id)


def test_a_user_without_a_subscription_gets_a_checkout_url(api: InProcessApp, make_user,
                                                           stripe_client):
    user = make_user()
    response = post_checkout(api, headers=bearer(user.access_token))
    assert response.status_code == 200 and set(response.json()) == {"url"}
    session = session_for(stripe_client, response.json()["url"])
    assert session.mode == "subscription" and session.status == "open"
    assert session.client_reference_id == user.id
    assert session.metadata["user_id"] == user.id
    assert session.success_url.startswith(f"{api.url}/dashboard/settings/billing?")
    assert session.cancel_url.startswith(f"{api.url}/dashboard/settings/billing?")
    customer = stripe_client.v1.customers.retrieve(session.customer)
    assert customer.metadata["user_id"] == user.id and customer.email == user.email


def test_the_customer_is_created_once_and_reused(api: InProcessApp, make_user,
                                                 stripe_client):
    user = make_user()
    first, second = (session_for(stripe_client, post_checkout(
        api, headers=bearer(user.access_token)).json()["url"]) for _ in range(2))
    assert first.id != second.id and first.customer == second.customer
    assert len(stripe_client.v1.customers.list(params={"email": user.email}).data) == 1


def test_paying_makes_the_row_active_through_the_webhook(stack, api: InProcessApp, make_user,
                                                         stripe_client, admin, held_webhooks):
    user = make_user()
    url = post_checkout(api, headers=bearer(user.access_token)).json()["url"]
    paid = httpx.post(url, follow_redirects=False, timeout=30)  # the stand-in's "Subscribe"
    assert paid.status_code == 303
    assert paid.headers["location"].startswith(f"{api.url}/dashboard/settings/billing")
    subscription_id = session_for(stripe_client, url).subscription
    events = events_for(stripe_client, subscription_id)
    assert "checkout.session.completed" in [e["type"] for e in events]
    assert deliver(api, stack, events)[0] == "applied"
    row = admin.table("user_subscriptions").select("*").eq("user_id", user.id).single().execute()
    assert row.data["status"] == "active" and row.data["stripe_subscription_id"]
    subscription = stripe_client.v1.subscriptions.retrieve(row.data["stripe_subscription_id"])
    assert subscription.metadata["user_id"] == user.id
    # Without a price or STRIPE_PRICE_IDS, Subscribe sells the first active recurring price.
    first_recurring = stripe_client.v1.prices.list(
        params={"active": True, "type": "recurring", "limit": 1}).data[0]
    assert subscription["items"]["data"][0]["price"]["id"] == first_recurring.id
    again = post_checkout(api, headers=bearer(user.access_token))
    assert (again.status_code, again.json()) == (409, {"error": "Already subscribed"})


def test_a_canceled_subscriber_may_subscribe_again_as_the_same_customer(
    api: InProcessApp, make_user, stripe_client
):
    customer = stripe_client.v1.customers.create(params={"email": "returning@example.com"})
    user = make_user(with_row=True, status="canceled", stripe_customer_id=customer.id)
    response = post_checkout(api, headers=bearer(user.access_token))
    assert response.status_code == 200
    assert session_for(stripe_client, response.json()["url"]).customer == customer.id


def test_same_auth_rules_as_the_portal(api: InProcessApp):
    response = post_checkout(api)
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})
    response = post_checkout(api, headers=bearer("not.a.token"))
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})
    response = api.get("/api/checkout_sessions")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


@pytest.mark.usefixtures("no_faults")
def test_a_stripe_failure_is_500(api: InProcessApp, make_user, devstack: Devstack):
    user = make_user()
    devstack.stripe_fault("error")
    response = post_checkout(api, headers=bearer(user.access_token))
    assert (response.status_code, response.json()) == (500, FAILED)


def test_a_500_at_customer_creation_never_keeps_the_user_from_subscribing(
    api: InProcessApp, make_user, stripe_client, no_faults: Devstack
):
    """Stripe saves a 500 for its Idempotency-Key and replays it for a day; the fixed key
    `billing-app-customer-<user id>` must not keep the user stuck that long."""
    user = make_user()
    no_faults.stripe_fault("error", times=1, path="/v1/customers", method="POST")
    first = post_checkout(api, headers=bearer(user.access_token))
    assert (first.status_code, first.json()) == (500, FAILED)
    later = post_checkout(api, headers=bearer(user.access_token))  # the next Subscribe click
    assert later.status_code == 200
    session = session_for(stripe_client, later.json()["url"])
    customers = stripe_client.v1.customers.list(params={"email": user.email}).data
    assert [c.id for c in customers] == [session.customer]
    creates = [r for r in no_faults.stripe_requests(path="/v1/customers")
               if r["method"] == "POST" and user.id in (r["idempotency_key"] or "")]
    fixed = f"billing-app-customer-{user.id}"
    # The 500, its replay to the fixed key, then a key of the second attempt's own.
    assert [(r["idempotency_key"] == fixed, r["status"]) for r in creates] == [
        (True, 500), (True, 500), (False, 200)]
    # And from then on the customer is found, not made again.
    again = post_checkout(api, headers=bearer(user.access_token))
    assert session_for(stripe_client, again.json()["url"]).customer == session.customer


def checkout_page(url: str) -> str:
    return httpx.get(url, timeout=10).text


def line_price(stripe_client, url: str) -> str:
    """The price a session sells, told by its amount: the stand-in's prices each have their
    own (it doesn't expand a session's line_items)."""
    by_amount = {p.unit_amount: p.id for p in stripe_client.v1.prices.list(
        params={"active": True, "type": "recurring", "limit": 100}).data}
    return by_amount[session_for(stripe_client, url).amount_total]


def test_a_named_price_on_offer_is_sold(api: InProcessApp, make_user, stripe_client):
    user = make_user()
    response = post_checkout(api, headers=bearer(user.access_token),
                             json={"price": "price_devstack_team_monthly"})
    assert response.status_code == 200, response.text
    assert line_price(stripe_client, response.json()["url"]) == "price_devstack_team_monthly"
    assert "Team" in checkout_page(response.json()["url"])


@pytest.mark.parametrize("body", [
    {"price": "price_devstack_pro_setup"},  # one-time: no plan
    {"price": "price_does_not_exist"},
    {"price": "prod_devstack_pro"},
    {"price": ""},
    {"price": 5},
    {"price": ["price_devstack_pro_monthly"]},
])
def test_a_price_not_on_offer_is_400_and_stripe_makes_nothing(api: InProcessApp, make_user,
                                                              devstack: Devstack, body):
    user = make_user()
    since = time.time()
    response = post_checkout(api, headers=bearer(user.access_token), json=body)
    assert (response.status_code, response.json()) == (400, {"error": "Unknown price"})
    assert [r for r in devstack.stripe_requests(since=since) if r["method"] == "POST"] == []


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b'"price_x"', b"{"])
def test_a_body_that_isnt_a_json_object_is_400(api: InProcessApp, make_user, content):
    user = make_user()
    response = post_checkout(api, headers=bearer(user.access_token), content=content)
    assert (response.status_code, response.json()) == (400, {"error": "Invalid payload"})


def test_without_a_price_it_behaves_as_before(api: InProcessApp, make_user, stripe_client):
    user = make_user()
    for kwargs in ({}, {"json": {}}, {"content": b"  "}):
        response = post_checkout(api, headers=bearer(user.access_token), **kwargs)
        assert response.status_code == 200, response.text
    first_recurring = stripe_client.v1.prices.list(
        params={"active": True, "type": "recurring", "limit": 1}).data[0]
    assert line_price(stripe_client, response.json()["url"]) == first_recurring.id


def test_an_unknown_price_still_needs_a_signed_in_user(api: InProcessApp):
    response = post_checkout(api, json={"price": "price_does_not_exist"})
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})


def test_stripe_price_ids_limits_what_is_offered(stack, make_user, stripe_client):
    user = make_user()
    with running(stack, STRIPE_PRICE_IDS="price_devstack_team_monthly,price_devstack_pro_yearly"
                 ) as app:
        refused = post_checkout(app, headers=bearer(user.access_token),
                                json={"price": "price_devstack_pro_monthly"})
        assert (refused.status_code, refused.json()) == (400, {"error": "Unknown price"})
        yearly = post_checkout(app, headers=bearer(user.access_token),
                               json={"price": "price_devstack_pro_yearly"})
        assert line_price(stripe_client, yearly.json()["url"]) == "price_devstack_pro_yearly"
        default = post_checkout(app, headers=bearer(user.access_token))
        assert line_price(stripe_client, default.json()["url"]) == "price_devstack_team_monthly"


def test_the_old_stripe_price_id_is_still_the_price_sold(stack, make_user, stripe_client):
    user = make_user()
    with running(stack, STRIPE_PRICE_ID="price_devstack_pro_yearly") as app:
        default = post_checkout(app, headers=bearer(user.access_token))
        assert line_price(stripe_client, default.json()["url"]) == "price_devstack_pro_yearly"


def test_an_archived_price_is_refused_once_its_webhook_lands(api: InProcessApp, make_user,
                                                             stack, stripe_client):
    """The catalogue is kept for minutes, but a price.updated event drops it at once."""
    user = make_user()
    team = "price_devstack_team_monthly"
    assert post_checkout(api, headers=bearer(user.access_token),
                         json={"price": team}).status_code == 200  # the catalogue is now kept
    stripe_client.v1.prices.update(team, params={"active": False})
    try:
        assert deliver(api, stack, [latest_event(stripe_client, "price.updated", team)]) == [
            "catalogue_changed"]
        refused = post_checkout(api, headers=bearer(user.access_token), json={"price": team})
        assert (refused.status_code, refused.json()) == (400, {"error": "Unknown price"})
    finally:
        stripe_client.v1.prices.update(team, params={"active": True})
        deliver(api, stack, [latest_event(stripe_client, "price.updated", team)])
    assert post_checkout(api, headers=bearer(user.access_token),
                         json={"price": team}).status_code == 200


def test_checkout_opens_in_the_callers_language(api: InProcessApp, make_user, stripe_client):
    user = make_user()
    for header, locale in (("de-DE,de;q=0.9", "de"), ("pt-BR", "pt-BR"), ("gsw", "auto"),
                           (None, "auto")):
        headers = bearer(user.access_token) | ({"Accept-Language": header} if header else {})
        url = post_checkout(api, headers=headers).json()["url"]
        assert session_for(stripe_client, url).locale == locale


def latest_event(stripe_client, event_type: str, object_id: str) -> dict:
    for event in stripe_client.v1.events.list(params={"limit": 100}).auto_paging_iter():
        data = event.to_dict(for_json=True)
        if data["type"] == event_type and data["data"]["object"]["id"] == object_id:
            return data
    raise AssertionError(f"no {event_type} for {object_id}")
