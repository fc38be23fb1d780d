"""Which flow a body of POST /api/customer_portal names (api/portal.py `flow_in`, on the body as
`parse_json_object` reads it): none, one of the three, or UNKNOWN_FLOW for anything else."""

from __future__ import annotations

import json

import pytest

from billing_app.api.portal import flow_in
from billing_app.api.user_actions import parse_json_object
from billing_app.billing.portal import PortalFlow
from billing_app.platform.outcomes import UNKNOWN_FLOW


@pytest.mark.parametrize("body", [b"", b"  \r\n\t", b"{}", b'{"flow": null}', b' { } '])
def test_no_body_or_no_flow_is_the_home_page(body):
    assert flow_in(parse_json_object(body)) is None


@pytest.mark.parametrize("flow", list(PortalFlow))
def test_each_flow_by_its_stripe_name(flow):
    assert flow_in(parse_json_object(json.dumps({"flow": flow.value}).encode())) is flow


@pytest.mark.parametrize("body", [
    b'{"flow": "nope"}', b'{"flow": ""}', b'{"flow": "Payment_Method_Update"}',
    b'{"flow": " payment_method_update"}', b'{"flow": "subscription_update_confirm"}',
    b'{"flow": true}', b'{"flow": 0}', b'{"flow": []}', b'{"flow": {}}',
    b'{"flow": "payment_method_update", "subscription": "sub_x"}', b'{"customer": "cus_x"}',
    b'["payment_method_update"]', b'"payment_method_update"', b"null", b"1",
    b"flow=payment_method_update", b"{", b"\xff\xfe", b"[" * 5_000 + b"]" * 5_000,
])
def test_anything_else_is_unknown(body):
    assert flow_in(parse_json_object(body)) == UNKNOWN_FLOW
