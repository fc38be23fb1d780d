"""Credentials leave log lines: session cookie values, one-time codes, Bearer tokens, JWTs.
(The real case, Reflex logging an unknown websocket event, runs against the hosted app in
tests/integration/hosted/test_hosted_app.py.)"""

from __future__ import annotations

import logging

import pytest
import stripe

from billing_app.platform import log_redaction
from billing_app.platform.log_redaction import REDACTED, redact
from billing_app.platform.outcomes import describe_stripe_error

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize("line,secret", [
    ("'cookie': 'sb-access-token=abc.def.ghi; sb-refresh-token=r3fr3sh'", "r3fr3sh"),
    ("cookie: theme=dark; __Host-sb-refresh-token=r3fr3sh; x=1", "r3fr3sh"),
    ("__Secure-sb-sign-in-nonce=n0nc3", "n0nc3"),
    ("{'sb-refresh-token': 'r3fr3sh'}", "r3fr3sh"),
    ('{"refresh_token": "r3fr3sh", "user": 1}', "r3fr3sh"),
    ("GET /api/auth/callback?code=0neT1me&next=/dashboard", "0neT1me"),
    ("'query': {'code': '0neT1me'}", "0neT1me"),
    ("'authorization': 'Bearer t0k3n-x'", "t0k3n-x"),
    ("Authorization: bearer t0k3n-x", "t0k3n-x"),
    (f"token {JWT} seen", JWT),
])
def test_each_kind_of_credential_is_redacted(line, secret):
    redacted = redact(line)
    assert secret not in redacted and REDACTED in redacted


@pytest.mark.parametrize("line", [
    '{"route": "/api/auth/callback", "outcome": "code_expired", "status": 303}',
    "error_code=over_request_rate_limit",
    "ready: stripe is failing (APIError)",
])
def test_lines_without_credentials_are_untouched(line):
    assert redact(line) == line


def test_the_filter_redacts_message_args_and_tracebacks(caplog):
    logger = logging.getLogger("billing_app.test_redaction")
    log_redaction.install()
    assert log_redaction._FILTER in logger.filters
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("event %s", {"headers": {"cookie": "sb-access-token=s3cret"}})
        try:
            raise KeyError("Bearer b3arer")
        except KeyError:
            logger.exception("failed for code=%s", "c0de")
    text = caplog.text
    assert "s3cret" not in text and "b3arer" not in text and "c0de" not in text
    assert "KeyError" in text  # the traceback is still there, redacted


def test_a_stripe_errors_code_survives_redaction():
    """The app's own description of a Stripe failure keeps Stripe's code readable in the log
    (it once wrote `code=`, which redaction takes for a sign-in code)."""
    error = stripe.InvalidRequestError("No such customer: 'cus_x'", param=None,
                                       code="resource_missing")
    assert "resource_missing" in redact(describe_stripe_error(error))
