"""What the tests share besides fixtures: the stand-ins' control routes, running the app the
way it is hosted, and signing in straight at Supabase Auth."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import httpx
import jwt
import pytest
import redis

from billing_app.platform.settings import Settings, environment_names
from devstack import seed as demo
from devstack.app_process import (
    BUN,
    AppDidNotStart,
    free_port,
    start_app,
    stop_process_group,
)
from devstack.config import PROJECT_ROOT, StackConfig
from devstack.stack import control
from devstack.supabase_standin.tokens import SigningKeys
from tests.tls_front import TlsFront

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# A complete, valid set of the app's settings, for tests that build Settings themselves.
VALID_ENV = {
    "SUPABASE_URL": "https://abc.supabase.co",
    "SUPABASE_PUBLISHABLE_KEY": "sb_publishable_unit",
    "SUPABASE_SECRET_KEY": "sb_secret_unit",
    "STRIPE_SECRET_KEY": "sk_test_unit",
    "STRIPE_WEBHOOK_SECRET": "whsec_unit",
    "SITE_URL": "https://app.example.com",
}


def app_settings(**env: str) -> Settings:
    """Settings read from VALID_ENV and `env` alone: the process environment and `.env` are
    left out (each of the app's variables reads as blank while they load)."""
    with mock.patch.dict(os.environ, dict.fromkeys(environment_names(), "")):
        return Settings(_env_file=None, **{**VALID_ENV, **env})


def require(ok: bool, why: str) -> None:
    """Skip locally, fail in CI, when something the test needs is missing."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {why}")
    pytest.skip(why)


@dataclass
class Devstack:
    """The stand-ins' control routes: faults, latency, and what the Stripe stand-in recorded."""

    config: StackConfig

    def _stripe(self, method: str, path: str, **kwargs) -> httpx.Response:
        return control(self.config, "stripe", method, path, **kwargs)

    def _supabase(self, method: str, path: str, **kwargs) -> httpx.Response:
        return control(self.config, "supabase", method, path, **kwargs)

    def portal_sessions(self, customer: str | None = None) -> list[dict]:
        params = {"customer": customer} if customer else {}
        return self._stripe("GET", "portal_sessions", params=params).json()["data"]

    def stripe_requests(self, path: str | None = None, since: float | None = None) -> list[dict]:
        """Every /v1 request the Stripe stand-in received (faulted attempts too), oldest first."""
        params = {k: v for k, v in (("path", path), ("since", since)) if v is not None}
        return self._stripe("GET", "requests", params=params).json()["data"]

    def stripe_fault(self, mode: str, times: int | None = None, path: str | None = None,
                     method: str | None = None) -> None:
        self._stripe("POST", "faults", json={"kind": "stripe", "mode": mode, "times": times,
                                             "path": path, "method": method})

    def supabase_fault(self, kind: str, mode: str, times: int | None = None,
                       path: str | None = None, method: str | None = None) -> None:
        self._supabase("POST", "faults", json={"kind": kind, "mode": mode, "times": times,
                                               "path": path, "method": method})

    def auth_settings(self, **settings: object) -> dict:
        """The Auth stand-in's settings (jwt_expiry, rate_limit_token_refresh,
        sb_forwarded_for_enabled): set these, answer all."""
        return self._supabase("PUT", "auth_settings", json=settings).json()

    def signing_keys(self, action: str | None = None) -> dict:
        """The Auth stand-in's signing keys; `action` "rotate" or "revoke" first."""
        if action is None:
            return self._supabase("GET", "signing_keys").json()
        return self._supabase("POST", f"signing_keys/{action}").json()

    def clear_faults(self) -> None:
        self._stripe("DELETE", "faults")
        self._supabase("DELETE", "faults")

    def point_webhooks(self, url: str | None) -> None:
        self._stripe("PUT", "webhook", json={"url": url})

    def webhook_url(self) -> str | None:
        return self._stripe("GET", "webhook").json()["url"]

    def wait_for_webhooks(self, timeout: float = 20) -> None:
        idle = self._stripe("POST", "deliveries/wait", json={"timeout": timeout}).json()["idle"]
        assert idle, "the Stripe stand-in still has webhooks to deliver"

    def deliveries(self, **filters: str) -> list[dict]:
        return self._stripe("GET", "deliveries", params=filters).json()["data"]


@dataclass
class RunningApp:
    url: str
    log_path: Path
    env: dict[str, str] = field(repr=False)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request_log(self, containing: str, timeout: float = 5) -> list[dict]:
        """The app's JSON request-log lines that contain `containing` (a request or user id).
        A line is written just after its response is sent, so this waits a little for it."""
        deadline = time.monotonic() + timeout
        while True:
            found = [json.loads(line) for line in self.log_text().splitlines()
                     if line.startswith("{") and containing in line]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", timeout=30, **kwargs)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def post_portal(self, **kwargs) -> httpx.Response:
        return self.post("/api/customer_portal", **kwargs)


def launch_app(stack: StackConfig, log_path: Path, *, backend_only: bool = False,
               extra_env: dict[str, str] | None = None, port: int | None = None,
               cwd: Path = PROJECT_ROOT) -> tuple[subprocess.Popen, RunningApp]:
    """The app as hosted (see devstack/app_process.py); a test fails when it doesn't start."""
    require(BUN.exists(), f"Bun is not installed at {BUN}: run `make setup` (or `make test`)")
    try:
        app = start_app(stack, log_path, backend_only=backend_only, extra_env=extra_env,
                        port=port, cwd=cwd)
    except AppDidNotStart as exc:
        pytest.fail(str(exc))
    return app.process, RunningApp(app.url, log_path, app.env)


# What a copy of the project needs to build and run the app: its sources, and `.web` for the
# frontend packages already installed there (without its build output, so the copy builds anew).
PROJECT_PARTS = ("billing_app", "assets", "rxconfig.py", "requirements.txt", "reflex.lock")


def project_copy(dest: Path) -> Path:
    """The app's sources copied to `dest`, so a second instance builds its own `.web`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_PARTS:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, dest / name)
    web = PROJECT_ROOT / ".web"

    def old_output(folder: str, names: list[str]) -> set[str]:
        # Only .web's own build output: packages in node_modules have `build` folders too.
        return {"build", ".react-router"} & set(names) if Path(folder) == web else set()

    if web.is_dir():
        shutil.copytree(web, dest / ".web", symlinks=True, ignore=old_output)
    return dest


def stop_app(proc: subprocess.Popen) -> None:
    stop_process_group(proc)


@contextlib.contextmanager
def app_of_its_own(stack: StackConfig, root: Path,
                   extra_env: dict[str, str]) -> Iterator[RunningApp]:
    """Another instance, run from a copy of the project in `root / "project"` (so its build
    leaves the shared instance's `.web` alone), with `extra_env` on top of the stack's."""
    proc, app = launch_app(stack, root / "app.log", cwd=project_copy(root / "project"),
                           extra_env=extra_env)
    try:
        yield app
    finally:
        stop_app(proc)


def sign_in(stack: StackConfig, email: str, password: str = demo.DEMO_PASSWORD) -> dict:
    """A fresh Supabase session (access_token, refresh_token, user) straight from Auth."""
    response = httpx.post(
        f"{stack.supabase_url}/auth/v1/token?grant_type=password",
        headers={"apikey": stack.api_key("anon")},
        json={"email": email, "password": password},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def bearer(token: str) -> dict:
    """The header an API caller authenticates with."""
    return {"Authorization": f"Bearer {token}"}


def paying_subscriber(admin, stripe_client, stack: StackConfig, prefix: str,
                      **subscription: object) -> tuple[dict, str]:
    """A fresh user paying for Pro with Visa (devstack's seed, with more subscription create
    parameters in `subscription`), and their access token: (row, token)."""
    email = f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"
    row = demo.create_subscriber(admin, stripe_client, email, **subscription)
    return row, sign_in(stack, email)["access_token"]


def project_signed(stack: StackConfig, claims: dict) -> str:
    """`claims` signed as the stack's Auth signs tokens (its current ES256 key, or the legacy JWT
    secret): a genuine signature, so only the claims can make such a token fail."""
    if stack.legacy_keys:
        return jwt.encode(claims, stack.secrets.jwt_secret, algorithm="HS256")
    return SigningKeys.load_or_create(stack.signing_keys_file).sign(claims)


def assert_no_secret_in_log(app, stack: StackConfig, session: dict) -> None:
    """After a Bearer and a cookie call with `session`, the app's log holds no token or key."""
    app.post_portal(headers={"Authorization": f"Bearer {session['access_token']}"})
    app.post_portal(headers={"Origin": app.url},
                    cookies={"sb-access-token": session["access_token"],
                             "sb-refresh-token": session["refresh_token"]})
    log = app.log_text()
    for secret in (session["access_token"], session["refresh_token"],
                   stack.secrets.stripe_secret_key, stack.secrets.stripe_webhook_secret,
                   stack.api_key("anon"), stack.api_key("service_role")):
        assert secret not in log


def redis_server_binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/sbin/redis-server" if os.path.exists("/usr/sbin/redis-server") else None)


class RedisServer:
    """A private redis-server (Debian's) on a free port, keeping nothing on disk. `stop()` and
    `start()` again bring it back on the same port (empty), as a restarted Redis would be."""

    def __init__(self, workdir: Path) -> None:
        binary = redis_server_binary()
        require(binary is not None, "redis-server is not installed (apt-get install redis-server)")
        self.binary = str(binary)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.workdir / "redis.log"
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.client().ping():
                    return self
            except redis.RedisError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"redis-server did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_redis(workdir: Path) -> RedisServer:
    return RedisServer(workdir).start()


@dataclass
class HttpsApp:
    """A second instance, hosted as in production: an https SITE_URL behind a TLS front, and
    the settings' defaults (PORTAL_RATE_LIMIT unset). `url` is the https address users open;
    `app.url` is its plain-HTTP port behind the front."""

    url: str
    app: RunningApp
    front: TlsFront
    project_dir: Path
