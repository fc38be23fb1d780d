"""The app's HTTP routes in the test's own process: `create_api()` behind `httpx.ASGITransport`,
talking to the real stand-ins over HTTP, with the settings the app would read from them.

The routes run on an event loop of their own thread (the shared clients and rate limiter live
per loop), and the tests call them synchronously. Settings come from the environment, as in the
app: `InProcessApp` sets the stack's variables (and the test's own) while it runs, and puts the
environment back afterwards. One runs at a time; each gets fresh clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from billing_app.api.app import create_api
from billing_app.platform import clients, request_log
from billing_app.platform.settings import environment_names, get_settings
from devstack.config import StackConfig

T = TypeVar("T")
SITE_URL = "http://app.test"
TIMEOUT_S = 60


class _Lines(logging.Handler):
    """What the app logs while it runs, as the server's log would show it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class InProcessApp:
    stack: StackConfig
    extra_env: dict[str, str] = field(default_factory=dict)
    url: str = SITE_URL

    def start(self) -> InProcessApp:
        env = {**dict.fromkeys(environment_names(), ""), **self.stack.app_env(),
               "SITE_URL": self.url, **self.extra_env}
        self._saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        get_settings.cache_clear()
        get_settings()  # a bad setting fails here, naming the variable
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._transport = httpx.ASGITransport(app=create_api())
        self._log = _Lines()
        # The request log doesn't propagate; everything else logs under "billing_app".
        self._app_logger = logging.getLogger("billing_app")
        self._app_level = self._app_logger.level
        self._app_logger.setLevel(logging.INFO)
        for logger in (request_log.logger, self._app_logger):
            logger.addHandler(self._log)
        return self

    def stop(self) -> None:
        for logger in (request_log.logger, self._app_logger):
            logger.removeHandler(self._log)
        self._app_logger.setLevel(self._app_level)
        self.run(self._close_clients())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()

    @staticmethod
    async def _close_clients() -> None:
        async with clients.lifespan():
            pass

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the app's loop, as the server would, and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT_S)

    def request(self, method: str, path: str, *, cookies: dict[str, str] | None = None,
                **kwargs: Any) -> httpx.Response:
        """One request, as from a fresh client (no cookies but those given)."""

        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=self._transport, base_url=self.url,
                                         cookies=cookies, timeout=TIMEOUT_S) as client:
                return await client.request(method, path, **kwargs)

        return self.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def post_portal(self, **kwargs: Any) -> httpx.Response:
        return self.post("/api/customer_portal", **kwargs)

    def log_text(self) -> str:
        return "\n".join(self._log.lines)

    def request_log(self, containing: str) -> list[dict]:
        """The request-log lines (parsed) that contain `containing`, e.g. a request id."""
        prefix = f"INFO {request_log.logger.name}: "
        return [json.loads(line.removeprefix(prefix)) for line in self._log.lines
                if line.startswith(prefix) and containing in line]


@contextlib.contextmanager
def running(stack: StackConfig, **env: str) -> Iterator[InProcessApp]:
    """An InProcessApp with the stack's settings and `env` on top, for one block."""
    app = InProcessApp(stack, env).start()
    try:
        yield app
    finally:
        app.stop()
