"""What the tests share besides fixtures: the stand-ins' control routes, running the app the
way it is hosted, and signing in straight at Supabase Auth."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from devstack import seed as demo
from devstack.config import PROJECT_ROOT, StackConfig

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(ok: bool, why: str) -> None:
    """Skip locally, fail in CI, when something the test needs is missing."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {why}")
    pytest.skip(why)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Devstack:
    """The stand-ins' control routes: faults, latency, and what the Stripe stand-in recorded."""

    config: StackConfig

    def _stripe(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = httpx.request(
            method, f"{self.config.stripe_api_base}/__devstack/{path}",
            headers={"Authorization": f"Bearer {self.config.secrets.stripe_secret_key}"},
            timeout=30, **kwargs,
        )
        response.raise_for_status()
        return response

    def _supabase(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = httpx.request(
            method, f"{self.config.supabase_url}/__devstack/{path}",
            headers={"Authorization": f"Bearer {self.config.secrets.api_key('service_role')}"},
            timeout=30, **kwargs,
        )
        response.raise_for_status()
        return response

    def portal_sessions(self, customer: str | None = None) -> list[dict]:
        params = {"customer": customer} if customer else {}
        return self._stripe("GET", "portal_sessions", params=params).json()["data"]

    def stripe_requests(self, path: str | None = None, since: float | None = None) -> list[dict]:
        """Every /v1 request the Stripe stand-in received (faulted attempts too), oldest first."""
        params = {k: v for k, v in (("path", path), ("since", since)) if v is not None}
        return self._stripe("GET", "requests", params=params).json()["data"]

    def stripe_fault(self, mode: str, times: int | None = None) -> None:
        self._stripe("POST", "faults", json={"kind": "stripe", "mode": mode, "times": times})

    def supabase_fault(self, kind: str, mode: str, times: int | None = None,
                       path: str | None = None) -> None:
        self._supabase("POST", "faults",
                       json={"kind": kind, "mode": mode, "times": times, "path": path})

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


BUN = PROJECT_ROOT / ".tools" / "bun" / "bin" / "bun"
REFLEX_TOOLS_ENV = {
    # As the Makefile sets them: Reflex must never try to download Bun.
    "REFLEX_BUN_PATH": str(BUN),
    "REFLEX_DIR": str(PROJECT_ROOT / ".tools" / "reflex"),
    "BUN_INSTALL_CACHE_DIR": str(PROJECT_ROOT / ".tools" / "bun-cache"),
}
APP_START_TIMEOUT_S = 300
# The app's own settings: never inherited from the test runner's environment, and set (empty
# when unused) so a developer's .env can't fill them in either. Only what a test passes counts.
APP_SETTINGS = frozenset({
    "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET", "STRIPE_CUSTOMER_PORTAL_CONFIG_ID", "STRIPE_PRICE_ID",
    "STRIPE_API_BASE", "SITE_URL", "NEXT_PUBLIC_SITE_URL", "REDIS_URL", "PORTAL_RATE_LIMIT",
})


@dataclass
class RunningApp:
    url: str
    log_path: Path
    env: dict[str, str] = field(repr=False)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def post_portal(self, **kwargs) -> httpx.Response:
        return httpx.post(f"{self.url}/api/customer_portal", timeout=30, **kwargs)


def launch_app(stack: StackConfig, log_path: Path, *, backend_only: bool = False,
               extra_env: dict[str, str] | None = None, project_dir: Path = PROJECT_ROOT,
               port: int | None = None) -> tuple[subprocess.Popen, RunningApp]:
    """`reflex run --env prod` (one port for pages and API) on the stand-ins, in its own
    process group. Returns once /ping answers. A second instance with other settings needs its
    own `project_dir` (see `project_copy`): Reflex builds the frontend into `.web` there."""
    require(BUN.exists(), f"Bun is not installed at {BUN}: run `make setup` (or `make test`)")
    port = port or free_port()
    url = f"http://localhost:{port}"
    inherited = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS}
    env = {**inherited, **dict.fromkeys(APP_SETTINGS, ""), **REFLEX_TOOLS_ENV,
           **stack.app_env(), "SITE_URL": url, "REFLEX_API_URL": url, **(extra_env or {})}
    command = [str(Path(sys.executable).with_name("reflex")), "run", "--env", "prod",
               "--backend-port", str(port)]
    if backend_only:
        command.append("--backend-only")
    log = log_path.open("ab")
    proc = subprocess.Popen(command, cwd=project_dir, env=env, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    app = RunningApp(url, log_path, env)
    deadline = time.monotonic() + APP_START_TIMEOUT_S
    while True:
        try:
            if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                return proc, app
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_app(proc)
            pytest.fail(f"the app did not start; its log:\n{app.log_text()[-4000:]}")
        time.sleep(0.5)


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
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def sign_in(stack: StackConfig, email: str, password: str = demo.DEMO_PASSWORD) -> dict:
    """A fresh Supabase session (access_token, refresh_token, user) straight from Auth."""
    response = httpx.post(
        f"{stack.supabase_url}/auth/v1/token?grant_type=password",
        headers={"apikey": stack.secrets.api_key("anon")},
        json={"email": email, "password": password},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()
