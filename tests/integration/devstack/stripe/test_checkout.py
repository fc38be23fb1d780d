"""Checkout Sessions and the local Checkout page."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import stripe

from tests.integration.devstack.stripe.harness import (
    PRO_MONTHLY,
    PRO_SETUP_FEE,
    TEAM_MONTHLY,
    Standin,
)


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
    assert session.ui_mode == "hosted_page"
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


def team_session(standin: Standin, **params: object) -> stripe.checkout.Session:
    customer = standin.client.v1.customers.create(params={"email": "team@example.com"})
    return standin.client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": TEAM_MONTHLY, "quantity": 1}],
            "success_url": "http://localhost:3000/ok",
            "ui_mode": "hosted_page",
            **params,
        }
    )


def test_the_checkout_page_names_the_product_and_takes_the_locale(standin: Standin) -> None:
    session = team_session(standin, locale="de")
    assert session.locale == "de"
    page = httpx.get(session.url).text
    assert "<h2>Team</h2>" in page and "$49.00 / month" in page and 'lang="de"' in page
    assert "Visa •••• 4242" in page and "Mastercard •••• 4444" in page


def test_checkout_refuses_what_it_does_not_offer(standin: Standin) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        team_session(standin, locale="xx")
    assert caught.value.param == "locale"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        team_session(standin, ui_mode="embedded_page")
    assert caught.value.param == "ui_mode"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        team_session(standin, line_items=[{"price": PRO_SETUP_FEE, "quantity": 1}])
    assert caught.value.user_message == (
        "You must provide at least one recurring price in `subscription` mode when using prices."
    )


def test_the_chosen_card_pays_and_a_declining_one_changes_nothing(standin: Standin) -> None:
    session = team_session(standin)
    declined = httpx.post(session.url, data={"card": "pm_card_chargeCustomerFail"})
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    assert standin.client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert standin.client.v1.subscriptions.list(params={"customer": session.customer}).data == []

    assert httpx.post(session.url, data={"card": "pm_card_mastercard"}).status_code == 303
    done = standin.client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["subscription.default_payment_method", "invoice"]}
    )
    assert done.subscription.status == "active"
    assert done.subscription.default_payment_method.card.last4 == "4444"
    assert (done.invoice.status, done.invoice.amount_paid) == ("paid", 4900)
