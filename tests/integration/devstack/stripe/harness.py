"""The Stripe stand-in served in a thread for tests, a webhook receiver beside it, and a
stripe-python client for it."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Self

import httpx
import stripe
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.config import StackConfig

PRO_MONTHLY = "price_devstack_pro_monthly"
PRO_YEARLY = "price_devstack_pro_yearly"
TEAM_MONTHLY = "price_devstack_team_monthly"
PRO_SETUP_FEE = "price_devstack_pro_setup"  # one-time
# Customer parameters that attach Stripe's test Visa and make it the default, as Stripe's docs do.
VISA_DEFAULT = {
    "payment_method": "pm_card_visa",
    "invoice_settings": {"default_payment_method": "pm_card_visa"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """An ASGI app served by uvicorn in a background thread."""

    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Receiver:
    """Records webhook POSTs; answers 500 to the next `fail_next` of them."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                failing = self.fail_next > 0
                if failing:
                    self.fail_next -= 1
                self.received.append(
                    {
                        "body": body,
                        "signature": request.headers.get("stripe-signature", ""),
                        "answered": 500 if failing else 200,
                    }
                )
            return JSONResponse({"received": not failing}, 500 if failing else 200)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def events_about(self, object_id: str, delivered_only: bool = True) -> list[dict[str, Any]]:
        with self.lock:
            records = list(self.received)
        found = []
        for record in records:
            if delivered_only and record["answered"] != 200:
                continue
            event = json.loads(record["body"])
            if event["data"]["object"].get("id") == object_id:
                found.append({**record, "event": event})
        return found


@dataclass
class Standin:
    config: StackConfig
    url: str
    receiver: Receiver
    client: stripe.StripeClient
    app: Starlette

    @property
    def key(self) -> str:
        return self.config.secrets.stripe_secret_key

    @property
    def whsec(self) -> str:
        return self.config.secrets.stripe_webhook_secret

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A /v1 call without stripe-python, to see exact bodies and headers."""
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def wait_for_webhooks(self) -> None:
        answer = self.control("POST", "/__devstack/deliveries/wait", json={"timeout": 20}).json()
        assert answer["idle"], answer

    def event_types(self, object_id: str) -> list[str]:
        """The types of the signed events delivered about one object, in order."""
        self.wait_for_webhooks()
        found = self.receiver.events_about(object_id)
        return [
            stripe.Webhook.construct_event(r["body"], r["signature"], self.whsec).type
            for r in found
        ]

    def advance_clock(self, seconds: int) -> int:
        """Move the stand-in's clock on and let time pass; returns its new time."""
        answer = self.control("POST", "/__devstack/clock/advance", json={"seconds": seconds})
        assert answer.status_code == 200, answer.text
        return answer.json()["now"]

    def customer_paying_with(self, card: str, email: str = "payer@example.com") -> Any:
        """A customer whose default payment method is a fresh copy of Stripe's test `card`."""
        return self.client.v1.customers.create(
            params={
                "email": email,
                "payment_method": card,
                "invoice_settings": {"default_payment_method": card},
            }
        )


def client_for(url: str, key: str, retries: int = 2) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=retries)
