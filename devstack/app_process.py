"""Run the billing app the way it is hosted (`reflex run --env prod`, one port for pages and
API) against a local stack, in its own process group. The benchmark and the tests use this.

The app's settings come only from the stack (plus what the caller adds): every setting the app
reads is set, empty when unused, so neither the caller's environment nor a developer's `.env`
can slip in.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from billing_app.platform.settings import environment_names
from devstack.config import PROJECT_ROOT, StackConfig

BUN = PROJECT_ROOT / ".tools" / "bun" / "bin" / "bun"
REFLEX_TOOLS_ENV = {
    # As the Makefile sets them: Reflex must never try to download Bun.
    "REFLEX_BUN_PATH": str(BUN),
    "REFLEX_DIR": str(PROJECT_ROOT / ".tools" / "reflex"),
    "BUN_INSTALL_CACHE_DIR": str(PROJECT_ROOT / ".tools" / "bun-cache"),
}
# Every variable the app's settings read (billing_app/platform/settings.py).
APP_SETTINGS = environment_names()
START_TIMEOUT_S = 300


class AppDidNotStart(RuntimeError):
    """The app exited or never answered; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppProcess:
    url: str
    log_path: Path
    process: subprocess.Popen = field(repr=False)
    env: dict[str, str] = field(repr=False)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process_group(self.process)


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the app's whole group (Reflex, Granian and its workers), then SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_app(stack: StackConfig, log_path: Path, *, backend_only: bool = False,
              extra_env: dict[str, str] | None = None, port: int | None = None,
              cwd: Path = PROJECT_ROOT) -> AppProcess:
    """Start the app (on `port`, or a free one); returns once /ping answers. SITE_URL and
    REFLEX_API_URL are the app's own address unless `extra_env` says otherwise; `cwd` may be
    an unzipped backend.zip."""
    if not BUN.exists():
        raise AppDidNotStart(f"Bun is not installed at {BUN}: run `make setup`")
    port = port or free_port()
    url = f"http://localhost:{port}"
    inherited = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS}
    env = {**inherited, **dict.fromkeys(APP_SETTINGS, ""), **REFLEX_TOOLS_ENV,
           **stack.app_env(), "SITE_URL": url, "REFLEX_API_URL": url, **(extra_env or {})}
    command = [str(Path(sys.executable).with_name("reflex")), "run", "--env", "prod",
               "--backend-port", str(port)]
    if backend_only:
        command.append("--backend-only")
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    app = AppProcess(url, log_path, process, env)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                return app
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            app.stop()
            raise AppDidNotStart(f"the app did not start; its log:\n{app.log_text()[-4000:]}")
        time.sleep(0.5)
