"""GET /api/health (liveness: the process answers) and GET /api/ready (readiness: can Supabase,
Stripe and Redis answer?), for load balancers and orchestrators."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from billing_app.api.responses import json_answer
from billing_app.platform import health
from billing_app.platform.outcomes import Outcome


async def liveness(request: Request) -> Response:
    return json_answer(200, {"status": "ok"}, Outcome.OK)


async def readiness(request: Request) -> Response:
    checks = await health.check_dependencies()
    failing = [name for name, ok in checks.items() if not ok]
    body = {name: "ok" if ok else "failing" for name, ok in checks.items()}
    if failing:
        return json_answer(503, {"status": "unavailable", "failing": failing, "checks": body},
                           Outcome.UNAVAILABLE)
    return json_answer(200, {"status": "ready", "checks": body}, Outcome.READY)
