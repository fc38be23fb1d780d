"""Object ids shaped like Stripe's: a type prefix and a random base-62 suffix.

`cus_` customers, `prod_` products, `price_1` prices, `sub_1` subscriptions, `si_` items,
`cs_test_` checkout sessions, `bps_1` portal sessions, `bpc_1` portal configurations, `evt_1`
events and `req_` request ids. The suffix lengths follow what Stripe hands out in test mode.
"""

from __future__ import annotations

import secrets
import string

ALPHABET = string.ascii_letters + string.digits

# prefix -> random characters after it
SUFFIX_LENGTH = {
    "cus_": 14,
    "prod_": 14,
    "price_1": 23,
    "sub_1": 23,
    "si_": 14,
    "cs_test_a1": 56,
    "bps_1": 23,
    "bpc_1": 23,
    "evt_1": 23,
    "req_": 14,
}


def random_suffix(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_id(prefix: str) -> str:
    """A fresh id, e.g. `new_id("cus_")` -> "cus_Qx8v0ZbT1mK2pL"."""
    return prefix + random_suffix(SUFFIX_LENGTH[prefix])


def request_id() -> str:
    return new_id("req_")


def portal_secret() -> str:
    """The unguessable part of a portal session's URL (Stripe's look like `test_YWNjd...`)."""
    return "test_" + secrets.token_urlsafe(36)
