"""The customer portal: configurations, sessions and their flows, links, and the local portal
page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from devstack.stripe_standin.resources import portal
from tests.integration.devstack.stripe.harness import PRO_YEARLY, Standin

NO_PORTAL_SETTINGS = (
    "You can't create a portal session in test mode until you save your customer portal "
    "settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal."
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
    def flow(flow_type: str) -> dict[str, Any]:
        return {"type": flow_type, flow_type: {"subscription": subscription.id}}

    session = portal_session(standin, subscription.customer, flow_data=flow("subscription_cancel"))
    assert session.flow.type == "subscription_cancel"
    assert session.flow.subscription_cancel.subscription == subscription.id
    assert session.flow.after_completion.type == "portal_homepage"
    other = standin.client.v1.customers.create(params={"email": "other@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        portal_session(standin, other.id, flow_data=flow("subscription_update"))
    assert caught.value.param == "flow_data[subscription_update][subscription]"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        portal_session(standin, subscription.customer, flow_data={"type": "subscription_cancel"})
    assert caught.value.code == "parameter_missing"


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


def test_configurations_are_listed_by_default_and_active(
    standin: Standin, customer: stripe.Customer
) -> None:
    configurations = standin.client.v1.billing_portal.configurations
    [default] = configurations.list(params={"is_default": True, "active": True}).data
    assert default.id == "bpc_devstack_default"
    made = configurations.create(params={"features": {"invoice_history": {"enabled": True}}})
    assert configurations.update(made.id, params={"active": False}).active is False
    inactive = configurations.list(params={"active": False}).data
    assert made.id in [c.id for c in inactive] and default.id not in [c.id for c in inactive]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        portal_session(standin, customer.id, configuration=made.id)
    assert (caught.value.param, caught.value.user_message) == (
        "configuration",
        f"The configuration `{made.id}` is not active.",
    )
