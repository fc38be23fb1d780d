"""Stripe's error responses: the exception the stand-in raises, its JSON body, and the
errors it answers with (injected faults included)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

DOCS_ERROR_CODES = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An error Stripe would answer with; raise it anywhere below the routes.

    stripe-python maps the status and `type` to its exception classes (400/404 ->
    InvalidRequestError, 401 -> AuthenticationError, 429 -> RateLimitError, 5xx -> APIError), so
    both must match Stripe's. `code`, `param` and `doc_url` appear only when they apply.
    `validation` marks a refusal of the request's parameters: Stripe saves no idempotent result
    for those, because the endpoint never began executing (see idempotency.py)."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        decline_code: str | None = None,
        validation: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers or {}
        self.decline_code = decline_code
        self.validation = validation

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {}
        if self.code:
            error["code"] = self.code
        if self.decline_code:
            error["decline_code"] = self.decline_code
        if self.code:
            error["doc_url"] = DOCS_ERROR_CODES + self.code.replace("_", "-")
        error["message"] = self.message
        if self.param:
            error["param"] = self.param
        if request_id:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        error["type"] = self.type
        return {"error": error}


def error_response(err: StripeError, request_id: str | None = None) -> Response:
    return Response(
        json.dumps(err.body(request_id), indent=2),
        status_code=err.status,
        media_type="application/json",
        headers=err.headers,
    )


# --- the errors the stand-in uses -----------------------------------------------------------


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None
) -> StripeError:
    return StripeError(message, param=param, code=code, validation=True)


def resource_missing(
    kind: str, object_id: str, *, param: str = "id", status: int = 404
) -> StripeError:
    """ "No such customer: 'cus_x'": 404 for an id in the path, 400 for one given as a parameter."""
    return StripeError(
        f"No such {kind}: '{object_id}'", status=status, code="resource_missing", param=param
    )


def parameter_missing(param: str) -> StripeError:
    return StripeError(f"Missing required param: {param}.", code="parameter_missing", param=param,
                       validation=True)


def parameter_unknown(param: str) -> StripeError:
    return StripeError(
        f"Received unknown parameter: {param}", code="parameter_unknown", param=param,
        validation=True,
    )


def url_invalid(param: str) -> StripeError:
    return StripeError("Not a valid URL", code="url_invalid", param=param, validation=True)


def not_supported(what: str, *, param: str | None = None) -> StripeError:
    """Something real Stripe does that this stand-in does not; said plainly, never faked."""
    return StripeError(f"The devstack Stripe stand-in does not support {what}.", param=param,
                       validation=True)


def card_declined() -> StripeError:
    """A charge the card's bank refused: 402, which stripe-python raises as `CardError`."""
    return StripeError(
        "Your card was declined.",
        status=402,
        type="card_error",
        code="card_declined",
        decline_code="generic_decline",
    )


def no_payment_method() -> StripeError:
    return StripeError(
        "This customer has no attached payment source or default payment method.",
        code="resource_missing",
    )


def payment_method_not_attached(payment_method: str, param: str) -> StripeError:
    return StripeError(
        f"The customer does not have a payment method with the ID {payment_method}. The "
        "payment method must be attached to the customer.",
        code="resource_missing",
        param=param,
    )


def unrecognized_url(method: str, path: str) -> StripeError:
    return StripeError(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
        status=404,
    )


# --- authentication -------------------------------------------------------------------------


def mask_key(key: str) -> str:
    """Show an API key the way Stripe's 401 does: its prefix, stars, and the last four."""
    parts = key.split("_")
    prefix = "_".join(parts[:2]) + "_" if len(parts) > 2 and len(parts[0]) <= 3 else ""
    rest = key[len(prefix) :]
    if len(rest) <= 4:
        return prefix + "*" * len(rest)
    return prefix + "*" * (len(rest) - 4) + rest[-4:]


def missing_api_key() -> StripeError:
    return StripeError(
        "You did not provide an API key. You need to provide your API key in the Authorization "
        "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
        "https://stripe.com/docs/api#authentication for details, or we can help at "
        "https://support.stripe.com/.",
        status=401,
        headers={"WWW-Authenticate": 'Basic realm="Stripe"'},
    )


def invalid_api_key(key: str) -> StripeError:
    return StripeError(
        f"Invalid API Key provided: {mask_key(key)}",
        status=401,
        headers={"WWW-Authenticate": 'Basic realm="Stripe"'},
    )


# --- injected faults (devstack.faults) ------------------------------------------------------
# "error" is a failure while the endpoint executes (api.py raises it, and an idempotent result is
# saved); the others answer before the API is reached (fault_response), so nothing is saved.

FAULT_ERRORS = {
    "error": lambda: StripeError(
        "An unknown error occurred. (Injected by the devstack Stripe stand-in.)",
        status=500,
        type="api_error",
    ),
    "rate_limit": lambda: StripeError(
        "Request rate limit exceeded. You can learn more about rate limits here "
        "https://stripe.com/docs/rate-limits. (Injected by the devstack Stripe stand-in.)",
        status=429,
        code="rate_limit",
    ),
    "down": lambda: StripeError(
        "Stripe is temporarily unavailable. (Injected by the devstack Stripe stand-in.)",
        status=503,
        type="api_error",
    ),
    "timeout": lambda: StripeError(
        "The request timed out. (Injected by the devstack Stripe stand-in.)",
        status=504,
        type="api_error",
    ),
}


def fault_response(kind: str, mode: str) -> Response:
    """The `respond` callable for `devstack.faults.InjectLatencyAndFaults`."""
    make = FAULT_ERRORS.get(mode, FAULT_ERRORS["error"])
    return error_response(make())
