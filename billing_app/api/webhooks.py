"""POST /api/webhooks/stripe: 200 {"received": true, "outcome"} | 400 | 413 | 500 (README)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.responses import DRAIN_LIMIT_BYTES, ERRORS, json_answer, refused
from billing_app.billing.webhooks import handle_stripe_webhook
from billing_app.platform.outcomes import Outcome

logger = logging.getLogger(__name__)

# Stripe's events are a few kilobytes; a body this large is not one.
MAX_WEBHOOK_BYTES = DRAIN_LIMIT_BYTES


async def stripe_webhook(request: Request) -> Response:
    payload = bytearray()
    async for chunk in request.stream():
        payload += chunk
        if len(payload) > MAX_WEBHOOK_BYTES:
            return refused(Outcome.PAYLOAD_TOO_LARGE)
    try:
        outcome = await handle_stripe_webhook(bytes(payload), request.headers.get("stripe-signature"))
    except Exception:
        logger.exception("webhook: unexpected error")
        outcome = Outcome.UPSTREAM_FAILED
    if outcome in ERRORS:
        # 500 makes Stripe deliver the event again later.
        return refused(outcome, "Webhook handling failed")
    return json_answer(200, {"received": True, "outcome": outcome.value}, outcome)
