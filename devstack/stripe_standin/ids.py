"""Object ids shaped like Stripe's: a type prefix and a random base-62 suffix, as long as
Stripe's test-mode ids."""

from __future__ import annotations

import secrets
import string

ALPHABET = string.ascii_letters + string.digits

# prefix -> random characters after it
SUFFIX_LENGTH = {
    "cus_": 14,
    "sub_1": 23,
    "si_": 14,
    "cs_test_a1": 56,
    "bps_1": 23,
    "bpc_1": 23,
    "evt_1": 23,
    "req_": 14,
    "pm_1": 23,
    "in_1": 23,
    "il_1": 23,
    "il_tmp_1": 23,
    "ii_1": 23,
    "upcoming_in_1": 23,
}


def random_suffix(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_id(prefix: str) -> str:
    """A fresh id, e.g. `new_id("cus_")` -> "cus_Qx8v0ZbT1mK2pL"."""
    return prefix + random_suffix(SUFFIX_LENGTH[prefix])


def request_id() -> str:
    return new_id("req_")


def portal_secret() -> str:
    """The unguessable part of a portal session's or hosted invoice's URL (Stripe's look like
    `test_YWNjd...`)."""
    return "test_" + secrets.token_urlsafe(36)
