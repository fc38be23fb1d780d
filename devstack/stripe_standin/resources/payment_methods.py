"""Payment methods: Stripe's test cards, attaching them to customers, and their routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import invalid_request, not_supported, payment_method_not_attached
from ..ids import new_id
from ..params import required_str
from ..routes import LIST_PARAMS, Call, Origin, Route, matching, page
from .events import publish

if TYPE_CHECKING:
    from ..account import Account


@dataclass(frozen=True)
class Card:
    brand: str
    last4: str
    fingerprint: str  # stable per card number, as Stripe's are within one account
    declines: bool = False  # attaches fine, but every charge is declined


# Stripe's test PaymentMethods (docs.stripe.com/testing: "pm_card_visa", "pm_card_mastercard",
# and "pm_card_chargeCustomerFail", 4000 0000 0000 0341: "attaching this card to a Customer
# object succeeds, but attempts to charge the customer fail"). Any future expiry date works
# for test cards; the docs' example is 12/34.
TEST_CARDS = {
    "pm_card_visa": Card("visa", "4242", "dvStkVisa4242xQ"),
    "pm_card_mastercard": Card("mastercard", "4444", "dvStkMc4444xQ0p"),
    "pm_card_chargeCustomerFail": Card("visa", "0341", "dvStkVisa0341fL", declines=True),
}
BY_FINGERPRINT = {card.fingerprint: card for card in TEST_CARDS.values()}
EXPIRY = (12, 2034)
KIND = "PaymentMethod"  # as Stripe names it in "No such PaymentMethod: 'pm_...'"


def payment_method_object(card: Card, created: int) -> dict[str, Any]:
    exp_month, exp_year = EXPIRY
    return {
        "id": new_id("pm_1"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": dict.fromkeys(
                ("city", "country", "line1", "line2", "postal_code", "state")
            ),
            "email": None,
            "name": None,
            "phone": None,
            "tax_id": None,
        },
        "card": {
            "brand": card.brand,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": None,
            },
            "country": "US",
            "description": None,
            "display_brand": card.brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": card.fingerprint,
            "funding": "credit",
            "generated_from": None,
            "iin": None,
            "issuer": None,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": created,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def declines(payment_method: dict[str, Any]) -> bool:
    card = BY_FINGERPRINT.get(payment_method["card"]["fingerprint"])
    return bool(card and card.declines)


def find(account: Account, given: str, *, param: str = "id", status: int = 404) -> dict:
    """A stored payment method; a test card's name (`pm_card_visa`) makes a fresh one, unattached,
    each time, as Stripe does."""
    card = TEST_CARDS.get(given)
    if card is None:
        return account.get("payment_methods", KIND, given, param=param, status=status)
    made = payment_method_object(card, account.now())
    account.state.payment_methods[made["id"]] = made
    account.store.changed()
    return made


def attach(
    account: Account, given: str, customer: dict[str, Any], origin: Origin, param: str = "id"
) -> dict[str, Any]:
    """Attach a payment method (or a fresh one made from a test card) to `customer`; the caller
    holds the lock. Attaching one twice to the same customer changes nothing."""
    payment_method = find(account, given, param=param, status=400 if param != "id" else 404)
    if payment_method["customer"] == customer["id"]:
        return payment_method
    if payment_method["customer"] is not None:
        raise invalid_request(
            "The payment method you provided has already been attached to a customer.",
            param=param,
        )
    payment_method["customer"] = customer["id"]
    publish(account, "payment_method.attached", payment_method, origin)
    return payment_method


def attached(account: Account, customer_id: str, given: Any, param: str) -> dict[str, Any]:
    """The payment method `given` names, which must be attached to the customer."""
    found = account.state.payment_methods.get(given) if isinstance(given, str) else None
    if found is None or found["customer"] != customer_id:
        raise payment_method_not_attached(str(given), param)
    return found


async def _attach(call: Call) -> dict[str, Any]:
    async with call.account.lock:
        customer = call.account.get(
            "customers", "customer", required_str(call.params, "customer"),
            param="customer", status=400,
        )
        return attach(call.account, call.path["id"], customer, call.origin)


async def _retrieve(call: Call) -> dict[str, Any]:
    async with call.account.lock:
        return find(call.account, call.path["id"])


def _list(call: Call) -> dict[str, Any]:
    """A customer's payment methods; the stand-in lists no others (Stripe's unfiltered list is
    for Treasury flows)."""
    if "customer" in call.path:
        customer_id = call.account.get("customers", "customer", call.path["customer"])["id"]
    elif call.params.get("customer"):
        customer_id = call.account.get(
            "customers", "customer", call.params["customer"], param="customer", status=400
        )["id"]
    else:
        raise not_supported("listing payment methods without a customer", param="customer")
    filters = [lambda pm: pm["customer"] == customer_id, *matching(call.params, "type")]
    return page(call, "payment_methods", KIND, filters)


ROUTES = (
    Route(
        "POST", "/v1/payment_methods/{id}/attach", "PaymentMethodAttachParams", ("customer",),
        _attach,
    ),
    Route("GET", "/v1/payment_methods/{id}", "PaymentMethodRetrieveParams", (), _retrieve),
    Route(
        "GET", "/v1/payment_methods", "PaymentMethodListParams",
        ("customer", "type", *LIST_PARAMS), _list,
    ),
    Route(
        "GET", "/v1/customers/{customer}/payment_methods", "CustomerListPaymentMethodsParams",
        ("type", *LIST_PARAMS), _list,
    ),
)
