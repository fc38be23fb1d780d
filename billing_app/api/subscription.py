"""POST /api/subscription/resume: 200 {"status", "cancel_at_period_end", "current_period_end"} |
401 | 403 | 404 | 429 + Retry-After | 500 (README)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.user_actions import answer_user_action
from billing_app.billing.resume import Resumed, resume_subscription


def resumed_body(result: Resumed) -> dict[str, Any]:
    """The subscription as Stripe has it now; `current_period_end` in epoch seconds."""
    sub = result.subscription
    end = sub.current_period_end
    return {"status": sub.status, "cancel_at_period_end": sub.cancel_at_period_end,
            "current_period_end": int(end.timestamp()) if end else None}


async def resume(request: Request) -> Response:
    return await answer_user_action(request, resume_subscription,
                                    "Failed to resume subscription", body=resumed_body)
