"""POST /api/customer_portal with a flow (`{"flow": ...}`), in-process against the stand-ins.

Each flow opens the portal on that one page for the caller's own customer and subscription (as
the Stripe stand-in recorded the session), and returns to the billing page; anything else in
the body is 400 before anything is asked of Supabase or Stripe; and the portal's 401, 403, 404,
429 and 500 hold for flows as they do without one. Without a body nothing changed (the rest of
the contract is tests/integration/api/test_customer_portal.py).
"""

from __future__ import annotations

import time

import pytest

from devstack import seed
from devstack.config import StackConfig
from tests.helpers import Devstack, bearer, paying_subscriber
from tests.in_process import InProcessApp, running

# The stand-in keeps its webhooks to itself meanwhile: a delivery elsewhere (to the hosted app)
# would re-read a subscription at Stripe in the middle of a test that counts Stripe's requests.
pytestmark = pytest.mark.usefixtures("held_webhooks")

UNKNOWN_FLOW = {"error": "Unknown flow"}
FLOWS = ["payment_method_update", "subscription_update", "subscription_cancel"]
LIMIT = 3


@pytest.fixture(scope="module")
def api(stack: StackConfig, demo_users) -> InProcessApp:
    """A low portal limit, so one test can meet it; every other test has users of its own."""
    with running(stack, PORTAL_RATE_LIMIT=f"{LIMIT}/minute") as app:
        yield app


def subscriber(admin, stripe_client, stack: StackConfig, **subscription) -> tuple[dict, str]:
    return paying_subscriber(admin, stripe_client, stack, "flow", **subscription)


@pytest.fixture
def active(admin, stripe_client, stack):
    return subscriber(admin, stripe_client, stack)


@pytest.mark.parametrize("flow", FLOWS)
def test_each_flow_opens_that_page_for_the_rows_subscription_and_returns_to_billing(
    api: InProcessApp, active, devstack: Devstack, flow: str
):
    row, token = active
    response = api.post_portal(headers=bearer(token), json={"flow": flow})
    assert response.status_code == 200 and set(response.json()) == {"url"}
    made = devstack.portal_sessions(row["stripe_customer_id"])[-1]
    assert made["url"] == response.json()["url"]
    billing = f"{api.url}/dashboard/settings/billing"
    assert made["return_url"] == billing
    assert made["flow"]["type"] == flow
    assert made["flow"]["after_completion"] == {
        "type": "redirect", "redirect": {"return_url": billing}, "hosted_confirmation": None}
    if flow != "payment_method_update":
        assert made["flow"][flow]["subscription"] == row["stripe_subscription_id"]


@pytest.mark.parametrize("body", [None, {}, {"flow": None}], ids=["no-body", "empty", "null"])
def test_no_flow_is_the_portals_home_page_as_before(api: InProcessApp, active,
                                                    devstack: Devstack, body):
    row, token = active
    response = api.post_portal(headers=bearer(token), json=body)
    assert response.status_code == 200
    made = devstack.portal_sessions(row["stripe_customer_id"])[-1]
    assert made["url"] == response.json()["url"] and made["flow"] is None


@pytest.mark.parametrize("body", [
    {"json": {"flow": "nope"}},
    {"json": {"flow": ""}},
    {"json": {"flow": "PAYMENT_METHOD_UPDATE"}},
    {"json": {"flow": "subscription_update_confirm"}},  # a Stripe flow the app doesn't offer
    {"json": {"flow": "customer_update"}},
    {"json": {"flow": 1}},
    {"json": {"flow": ["payment_method_update"]}},
    {"json": {"flow": {"type": "payment_method_update"}}},
    {"json": {"flow": "subscription_cancel", "subscription": "sub_someone_else"}},
    {"json": {"customer": "cus_someone_else"}},
    {"json": ["payment_method_update"]},
    {"json": "payment_method_update"},
    {"content": b"flow=payment_method_update"},
    {"content": b'{"flow": "payment_method_update"'},
    {"content": b'{"flow": "payment\xff"}'},
    {"content": b"[" * 10_000 + b"]" * 10_000},
    {"content": b'{"flow": "payment_method_update", "x": "' + b"a" * 2_000 + b'"}'},
], ids=["nope", "empty-string", "upper-case", "update-confirm", "customer-update", "number",
        "list", "object", "names-a-subscription", "names-a-customer", "a-list", "a-string",
        "form", "not-json", "not-utf8", "nested-deep", "too-big"])
def test_anything_else_is_400_unknown_flow_and_makes_nothing(
    api: InProcessApp, active, devstack: Devstack, body: dict
):
    row, token = active
    started = time.time()
    response = api.post_portal(headers=bearer(token), **body)
    assert (response.status_code, response.json()) == (400, UNKNOWN_FLOW)
    assert response.headers["cache-control"] == "no-store"
    assert devstack.portal_sessions(row["stripe_customer_id"]) == []
    assert devstack.stripe_requests(since=started) == []


def test_an_unknown_flow_is_400_before_credentials_are_looked_at(api: InProcessApp):
    response = api.post_portal(json={"flow": "nope"})
    assert (response.status_code, response.json()) == (400, UNKNOWN_FLOW)


def test_a_known_flow_without_credentials_is_401(api: InProcessApp):
    response = api.post_portal(json={"flow": "payment_method_update"})
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})


def test_a_cookie_flow_from_another_origin_is_403(stack: StackConfig, api: InProcessApp,
                                                  active, devstack: Devstack):
    row, token = active
    response = api.post_portal(headers={"Origin": "https://evil.example"},
                               cookies={"sb-access-token": token},
                               json={"flow": "subscription_cancel"})
    assert (response.status_code, response.json()) == (403, {"error": "Forbidden"})
    assert devstack.portal_sessions(row["stripe_customer_id"]) == []


def test_a_cookie_flow_from_the_apps_page_works(api: InProcessApp, active, devstack: Devstack):
    row, token = active
    response = api.post_portal(headers={"Origin": api.url}, cookies={"sb-access-token": token},
                               json={"flow": "payment_method_update"})
    assert response.status_code == 200
    assert devstack.portal_sessions(row["stripe_customer_id"])[-1]["flow"]["type"] == (
        "payment_method_update")


def test_without_a_row_every_flow_is_404(api: InProcessApp, make_user):
    user = make_user()
    for flow in FLOWS:
        response = api.post_portal(headers=bearer(user.access_token), json={"flow": flow})
        assert (response.status_code, response.json()) == (404, {"error": "No subscription found"})


def test_an_ended_subscription_has_no_plan_flows_but_its_card_can_be_updated(
    api: InProcessApp, admin, stripe_client, stack, devstack: Devstack
):
    row, token = subscriber(admin, stripe_client, stack)
    stripe_client.v1.subscriptions.cancel(row["stripe_subscription_id"])
    seed.write_row(admin, stripe_client, row["user_id"], row["stripe_subscription_id"])
    for flow in ("subscription_update", "subscription_cancel"):
        response = api.post_portal(headers=bearer(token), json={"flow": flow})
        assert (response.status_code, response.json()) == (404, {"error": "No subscription found"})
    assert devstack.portal_sessions(row["stripe_customer_id"]) == []
    response = api.post_portal(headers=bearer(token), json={"flow": "payment_method_update"})
    assert response.status_code == 200


def test_cancelling_a_plan_already_set_to_end_is_409(api: InProcessApp, admin, stripe_client,
                                                     stack, devstack: Devstack):
    _, token = subscriber(admin, stripe_client, stack, cancel_at_period_end=True)
    started = time.time()
    response = api.post_portal(headers=bearer(token), json={"flow": "subscription_cancel"})
    assert (response.status_code, response.json()) == (
        409, {"error": "Cancellation already scheduled"})
    assert devstack.stripe_requests(since=started) == []
    changed = api.post_portal(headers=bearer(token), json={"flow": "subscription_update"})
    assert changed.status_code == 200  # changing the plan still works


def test_flows_count_against_the_portal_limit_with_the_home_page(
    api: InProcessApp, active, devstack: Devstack
):
    row, token = active
    answers = [api.post_portal(headers=bearer(token)),
               api.post_portal(headers=bearer(token), json={"flow": "payment_method_update"}),
               api.post_portal(headers=bearer(token), json={"flow": "subscription_update"})]
    assert [a.status_code for a in answers] == [200] * LIMIT
    started = time.time()
    refused = api.post_portal(headers=bearer(token), json={"flow": "subscription_cancel"})
    assert (refused.status_code, refused.json()) == (429, {"error": "Too many requests"})
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert devstack.stripe_requests(since=started) == []
    assert len(devstack.portal_sessions(row["stripe_customer_id"])) == LIMIT


def test_a_stripe_failure_is_500(api: InProcessApp, active, no_faults: Devstack):
    _, token = active
    no_faults.stripe_fault("error", path="/v1/billing_portal/sessions")
    response = api.post_portal(headers=bearer(token), json={"flow": "subscription_cancel"})
    assert (response.status_code, response.json()) == (
        500, {"error": "Failed to create portal session"})


def test_the_request_log_names_the_outcome(api: InProcessApp, active):
    _, token = active
    api.post_portal(headers=bearer(token), json={"flow": "nope"})
    logged = api.request_log('"outcome": "unknown_flow"')
    assert logged and logged[-1]["status"] == 400
