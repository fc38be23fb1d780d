"""Portal deep links: `flow_data` checked as Stripe checks it, and each flow on the local portal
page, through to its `after_completion`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.integration.devstack.stripe.harness import PRO_MONTHLY, PRO_YEARLY, Standin

BILLING = "http://localhost:3000/dashboard/settings/billing"
BACK = {"type": "redirect", "redirect": {"return_url": BILLING}}


def subscribed(standin: Standin) -> stripe.Subscription:
    customer = standin.customer_paying_with("pm_card_visa")
    return standin.client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": PRO_MONTHLY}]}
    )


def past_due(standin: Standin) -> stripe.Subscription:
    """A subscription whose latest invoice failed on the declining test card."""
    sub = subscribed(standin)
    declining = standin.client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": sub.customer}
    )
    standin.client.v1.customers.update(
        sub.customer, params={"invoice_settings": {"default_payment_method": declining.id}}
    )
    sub = standin.client.v1.subscriptions.update(
        sub.id, params={"billing_cycle_anchor": {"type": "now"}, "proration_behavior": "none"}
    )
    assert sub.status == "past_due"
    return sub


def flow_session(
    standin: Standin, customer: str, flow_data: dict[str, Any], **params: Any
) -> stripe.billing_portal.Session:
    return standin.client.v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": BILLING, "flow_data": flow_data, **params}
    )


def test_updating_the_payment_method_pays_what_is_due_and_returns(standin: Standin) -> None:
    sub = past_due(standin)
    session = flow_session(
        standin, sub.customer, {"type": "payment_method_update", "after_completion": BACK}
    )
    assert (session.flow.type, session.flow.after_completion.redirect.return_url) == (
        "payment_method_update",
        BILLING,
    )
    action = f"{session.url}/payment_method"
    with httpx.Client() as browser:
        page = browser.get(session.url).text
        assert "<h1>Update payment method</h1>" in page and "Due now: $20.00" in page
        for label in ("Visa •••• 4242", "Mastercard •••• 4444", "Visa •••• 0341"):
            assert f'<button type="submit">{label}</button>' in page
        declined = browser.post(action, data={"card": "pm_card_chargeCustomerFail"})
        assert declined.status_code == 200 and "Your card was declined." in declined.text
        assert standin.client.v1.subscriptions.retrieve(sub.id).status == "past_due"

        saved = browser.post(action, data={"card": "pm_card_visa"})
        assert saved.status_code == 303 and saved.headers["location"] == BILLING
        home = browser.get(session.url).text
        assert "<h1>Customer portal</h1>" in home and "Visa •••• 4242" in home

    active = standin.client.v1.subscriptions.retrieve(sub.id)
    assert active.status == "active"
    assert standin.client.v1.invoices.retrieve(sub.latest_invoice).status == "paid"
    customer = standin.client.v1.customers.retrieve(
        sub.customer, params={"expand": ["invoice_settings.default_payment_method"]}
    )
    assert customer.invoice_settings.default_payment_method.card.last4 == "4242"
    assert standin.event_types(sub.latest_invoice)[-2:] == [
        "invoice.paid",
        "invoice.payment_succeeded",
    ]
    assert standin.event_types(sub.id)[-1] == "customer.subscription.updated"
    assert standin.event_types(sub.customer)[-1] == "customer.updated"


def test_changing_plan_confirms_then_shows_the_hosted_confirmation(standin: Standin) -> None:
    sub = subscribed(standin)
    after = {"type": "hosted_confirmation", "hosted_confirmation": {"custom_message": "Thanks!"}}
    session = flow_session(
        standin,
        sub.customer,
        {"type": "subscription_update", "subscription_update": {"subscription": sub.id},
         "after_completion": after},
        locale="fr",
    )
    assert session.locale == "fr"
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(session.url).text
        assert "<h1>Update plan</h1>" in page and 'lang="fr"' in page
        assert "Switch to Pro Yearly" in page and "Switch to Team Monthly" in page
        action = f"{session.url}/subscriptions/{sub.id}"
        confirm = browser.get(f"{action}/confirm", params={"price": PRO_YEARLY}).text
        assert "<h1>Confirm your new plan</h1>" in confirm and "Amount due today: $" in confirm
        done = browser.post(f"{action}/switch", data={"price": PRO_YEARLY})
        assert done.status_code == 200 and "Thanks!" in done.text
    switched = standin.client.v1.subscriptions.retrieve(sub.id)
    assert switched["items"].data[0].price.id == PRO_YEARLY


def test_confirming_a_given_plan_goes_straight_to_the_confirmation(standin: Standin) -> None:
    sub = subscribed(standin)
    item = sub["items"].data[0].id
    session = flow_session(
        standin,
        sub.customer,
        {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": sub.id, "items": [{"id": item, "price": PRO_YEARLY}]
            },
            "after_completion": BACK,
        },
    )
    assert session.flow.subscription_update_confirm["items"][0].price == PRO_YEARLY
    page = httpx.get(session.url).text
    assert "<h1>Confirm your new plan</h1>" in page and "Pro Yearly" in page


def test_canceling_ends_at_period_end_then_shows_the_portal_home(standin: Standin) -> None:
    sub = subscribed(standin)
    session = flow_session(
        standin,
        sub.customer,
        {"type": "subscription_cancel", "subscription_cancel": {"subscription": sub.id}},
    )
    assert session.flow.after_completion.type == "portal_homepage"
    with httpx.Client() as browser:
        assert "<h1>Cancel your subscription</h1>" in browser.get(session.url).text
        done = browser.post(f"{session.url}/subscriptions/{sub.id}/cancel", data={})
        assert done.status_code == 303
        assert done.headers["location"] == session.url.removeprefix(standin.url)
        home = browser.get(session.url).text
        assert "Cancels on" in home and "Reactivate" in home
    canceled = standin.client.v1.subscriptions.retrieve(sub.id)
    assert (canceled.status, canceled.cancel_at_period_end) == ("active", True)


def flow_errors(sub: stripe.Subscription, other: stripe.Subscription) -> list[tuple]:
    """(flow_data, code, param) Stripe answers each malformed deep link with."""
    item = sub["items"].data[0].id
    redirect_missing = {"type": "redirect"}
    retention = {"type": "coupon_offer", "coupon_offer": {"coupon": "LOYAL"}}
    return [
        ({"type": "subscription_update"}, "parameter_missing", "flow_data[subscription_update]"),
        ({"type": "subscription_cancel", "subscription_cancel": {"subscription": ""}},
         "parameter_missing",
         "flow_data[subscription_cancel][subscription]"),
        ({"type": "subscription_update", "subscription_update": {"subscription": other.id}},
         None, "flow_data[subscription_update][subscription]"),
        ({"type": "nope"}, None, "flow_data[type]"),
        ({"type": "payment_method_update", "after_completion": redirect_missing},
         "parameter_missing", "flow_data[after_completion][redirect]"),
        ({"type": "payment_method_update",
          "after_completion": {"type": "redirect", "redirect": {"return_url": "nope"}}},
         "url_invalid", "flow_data[after_completion][redirect][return_url]"),
        ({"type": "subscription_cancel",
          "subscription_cancel": {"subscription": sub.id, "retention": retention}},
         "resource_missing", "flow_data[subscription_cancel][retention][coupon_offer][coupon]"),
        ({"type": "subscription_update_confirm",
          "subscription_update_confirm": {"subscription": sub.id}},
         "parameter_missing", "flow_data[subscription_update_confirm][items]"),
        ({"type": "subscription_update_confirm",
          "subscription_update_confirm": {
              "subscription": sub.id, "items": [{"id": item, "price": "price_devstack_pro_setup"}]
          }},
         None, "flow_data[subscription_update_confirm][items][0][price]"),
    ]


def test_malformed_flow_data_is_refused_with_stripes_errors(standin: Standin) -> None:
    sub, other = subscribed(standin), subscribed(standin)
    for flow_data, code, param in flow_errors(sub, other):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            flow_session(standin, sub.customer, flow_data)
        assert (caught.value.http_status, caught.value.code, caught.value.param) == (
            400,
            code,
            param,
        ), flow_data


def test_a_flow_needs_its_feature_enabled(standin: Standin) -> None:
    sub = subscribed(standin)
    configuration = standin.client.v1.billing_portal.configurations.create(
        params={"features": {"invoice_history": {"enabled": True}}}
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        flow_session(
            standin, sub.customer, {"type": "payment_method_update"},
            configuration=configuration.id,
        )
    assert caught.value.user_message == (
        "This flow cannot be used because the payment method update feature is disabled in "
        "the portal configuration."
    )


def test_the_apps_flows_return_to_billing_and_resuming_undoes_the_cancel(standin: Standin
                                                                        ) -> None:
    """As the billing page uses them: Cancel plan's flow back to the billing page; cancelling
    again is refused as Stripe refuses it; Resume (`cancel_at_period_end=false`) clears the
    cancellation and its `cancel_at`, and the preview has a next invoice again."""
    sub = subscribed(standin)
    cancel = {"type": "subscription_cancel", "subscription_cancel": {"subscription": sub.id},
              "after_completion": BACK}
    session = flow_session(standin, sub.customer, cancel)
    with httpx.Client() as browser:
        done = browser.post(f"{session.url}/subscriptions/{sub.id}/cancel", data={})
        assert done.status_code == 303 and done.headers["location"] == BILLING
    ending = standin.client.v1.subscriptions.retrieve(sub.id)
    assert ending.cancel_at_period_end and ending.cancel_at == ending["items"].data[0][
        "current_period_end"]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        flow_session(standin, sub.customer, cancel)
    assert caught.value.param == "flow_data[subscription_cancel][subscription]"
    with pytest.raises(stripe.InvalidRequestError) as none:
        standin.client.v1.invoices.create_preview(
            params={"customer": sub.customer, "subscription": sub.id})
    assert none.value.code == "invoice_upcoming_none"

    resumed = standin.client.v1.subscriptions.update(
        sub.id, params={"cancel_at_period_end": False,
                        "expand": ["items.data.price.product"]})
    assert (resumed.cancel_at_period_end, resumed.cancel_at) == (False, None)
    assert resumed["items"].data[0].price.product.name == "Pro"
    preview = standin.client.v1.invoices.create_preview(
        params={"customer": sub.customer, "subscription": sub.id})
    assert preview.amount_due == 2000
    assert standin.event_types(sub.id)[-1] == "customer.subscription.updated"


def test_the_card_a_subscription_is_charged_with_reads_in_one_call(standin: Standin) -> None:
    """The billing page's read: the subscription's own payment method and its customer's
    default, both expanded (`customer.invoice_settings.default_payment_method`)."""
    sub = subscribed(standin)
    expand = ["default_payment_method", "customer.invoice_settings.default_payment_method"]
    read = standin.client.v1.subscriptions.retrieve(sub.id, params={"expand": expand})
    assert read.default_payment_method is None
    card = read.customer.invoice_settings.default_payment_method.card
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2034)
    own = standin.client.v1.payment_methods.attach("pm_card_mastercard",
                                                   params={"customer": sub.customer})
    standin.client.v1.subscriptions.update(sub.id, params={"default_payment_method": own.id})
    read = standin.client.v1.subscriptions.retrieve(sub.id, params={"expand": expand})
    assert read.default_payment_method.card.last4 == "4444"
