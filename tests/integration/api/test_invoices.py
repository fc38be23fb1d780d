"""GET /api/invoices, in-process against the stand-ins: the customer's last invoices, with
exactly the documented fields, for Bearer and cookie callers; 401 and 404 as for the portal; the
customer always from the caller's row; its rate limit; a Stripe failure as the documented 500."""

from __future__ import annotations

import time

import pytest

from devstack import seed as demo
from devstack.config import StackConfig
from tests.helpers import Devstack, bearer, sign_in
from tests.in_process import InProcessApp, running

FIELDS = {"id", "created", "amount_due", "currency", "status", "hosted_invoice_url"}


@pytest.fixture(scope="module")
def demo_session(stack: StackConfig, api: InProcessApp) -> dict:
    return sign_in(stack, demo.DEMO_EMAIL)


def customer_of(admin, user_id: str) -> str:
    return admin.table("user_subscriptions").select("stripe_customer_id").eq(
        "user_id", user_id).single().execute().data["stripe_customer_id"]


def test_bearer_gets_their_invoices_with_exactly_the_documented_fields(
        api: InProcessApp, demo_session, stack: StackConfig, stripe_client, admin, demo_users):
    response = api.get("/api/invoices", headers=bearer(demo_session["access_token"]))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"invoices"} and body["invoices"]
    for item in body["invoices"]:
        assert set(item) == FIELDS
        assert isinstance(item["created"], int)  # epoch seconds
    customer = customer_of(admin, demo_users[demo.DEMO_EMAIL])
    at_stripe = [i for i in stripe_client.v1.invoices.list(
        params={"customer": customer, "limit": 100}).data if i.status != "draft"][:12]
    assert [i["id"] for i in body["invoices"]] == [i.id for i in at_stripe]
    first = body["invoices"][-1]  # the subscription's first invoice, oldest in the list
    assert (first["status"], first["amount_due"], first["currency"]) == ("paid", 2000, "usd")
    assert first["hosted_invoice_url"].startswith(f"{stack.stripe_api_base}/i/")
    assert [i["created"] for i in body["invoices"]] == sorted(
        (i["created"] for i in body["invoices"]), reverse=True)


def test_cookie_callers_get_them_too(api: InProcessApp, demo_session):
    response = api.get("/api/invoices", cookies={
        "sb-access-token": demo_session["access_token"],
        "sb-refresh-token": demo_session["refresh_token"]})
    assert response.status_code == 200 and response.json()["invoices"]


def test_an_open_invoice_says_open(api: InProcessApp, stack: StackConfig):
    token = sign_in(stack, demo.PASTDUE_EMAIL)["access_token"]
    statuses = [i["status"] for i in api.get("/api/invoices", headers=bearer(token)).json()[
        "invoices"]]
    assert statuses[0] == "open" and "paid" in statuses


def test_the_customer_comes_from_the_row_never_the_request(
        api: InProcessApp, demo_session, stack: StackConfig):
    other = sign_in(stack, demo.PASTDUE_EMAIL)["access_token"]
    theirs = {i["id"] for i in api.get("/api/invoices", headers=bearer(other)).json()["invoices"]}
    mine = api.get("/api/invoices?customer=someone_else&customer_id=x",
                   headers=bearer(demo_session["access_token"])).json()["invoices"]
    assert mine and not theirs & {i["id"] for i in mine}


def test_no_credentials_or_a_forged_token_is_401(api: InProcessApp):
    assert api.get("/api/invoices").json() == {"error": "Unauthorized"}
    forged = api.get("/api/invoices", headers=bearer("eyJhbGciOiJIUzI1NiJ9.e30.x"))
    assert (forged.status_code, forged.json()) == (401, {"error": "Unauthorized"})


def test_a_user_without_a_stripe_customer_is_404(api: InProcessApp, make_user):
    for user in (make_user(), make_user(with_row=True, status="canceled",
                                        stripe_customer_id=None)):
        response = api.get("/api/invoices", headers=bearer(user.access_token))
        assert (response.status_code, response.json()) == (404, {"error": "No subscription found"})


def test_other_methods_are_the_json_405(api: InProcessApp, demo_session):
    response = api.post("/api/invoices", headers=bearer(demo_session["access_token"]))
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})
    assert response.headers["allow"] == "GET"


def test_a_stripe_failure_is_the_documented_500(api: InProcessApp, demo_session,
                                                no_faults: Devstack):
    no_faults.stripe_fault("error", path="/v1/invoices")
    response = api.get("/api/invoices", headers=bearer(demo_session["access_token"]))
    assert (response.status_code, response.json()) == (500, {"error": "Failed to load invoices"})


def test_past_invoices_rate_limit_429_and_stripe_is_not_asked(stack: StackConfig,
                                                               devstack: Devstack, make_user,
                                                               stripe_client):
    customer = stripe_client.v1.customers.create(params={"email": "limited@example.com"})
    user = make_user(with_row=True, status="canceled", stripe_customer_id=customer.id)
    with running(stack, INVOICES_RATE_LIMIT="2/minute") as app:
        since = time.time()
        answers = [app.get("/api/invoices", headers=bearer(user.access_token))
                   for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].json() == {"invoices": []}
    assert answers[2].json() == {"error": "Too many requests"}
    assert 1 <= int(answers[2].headers["retry-after"]) <= 60
    assert len(devstack.stripe_requests(path="/v1/invoices", since=since)) == 2
