"""Start and stop the whole local stack: PostgreSQL, the Supabase stand-in, the Stripe stand-in.

`up()` returns once everything answers, and writes `.devstack/env`. `down()` stops exactly what
`up()` started (their process ids are kept in `running.json`). Both are safe to call twice. The
tests use these same functions as fixtures, with their own state folder and ports.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from devstack.config import PROJECT_ROOT, StackConfig
from devstack.postgres import Cluster

SERVICES = ("supabase", "stripe")
STARTUP_TIMEOUT_S = 30


class StackError(RuntimeError):
    """A part of the stack did not come up; the message says which and where its log is."""


def _port_of(config: StackConfig, service: str) -> int:
    return config.supabase_port if service == "supabase" else config.stripe_port


def _health_url(config: StackConfig, service: str) -> str:
    return f"http://{config.host}:{_port_of(config, service)}/__devstack/health"


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _alive(pid: int) -> bool:
    try:
        # A child of ours that has exited stays a zombie until reaped: reap it, and it's dead.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_running(config: StackConfig) -> dict[str, int]:
    try:
        return {k: int(v) for k, v in json.loads(config.run_file.read_text()).items()}
    except (FileNotFoundError, ValueError):
        return {}


def _service_env(config: StackConfig) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEVSTACK_DIR=str(config.state_dir),
        DEVSTACK_SUPABASE_PORT=str(config.supabase_port),
        DEVSTACK_POSTGRES_PORT=str(config.postgres_port),
        DEVSTACK_STRIPE_PORT=str(config.stripe_port),
        DEVSTACK_AUTH_LATENCY_MS=str(config.auth_latency_ms),
        DEVSTACK_REST_LATENCY_MS=str(config.rest_latency_ms),
        DEVSTACK_STRIPE_LATENCY_MS=str(config.stripe_latency_ms),
        DEVSTACK_WEBHOOK_URL=config.webhook_url or "",
        DEVSTACK_SUPABASE_KEYS=config.supabase_keys,
        DEVSTACK_RATE_LIMIT_TOKEN_REFRESH=str(config.token_refresh_rate_limit),
        PYTHONPATH=str(PROJECT_ROOT),
    )
    return env


def _start_service(config: StackConfig, service: str) -> int:
    port = _port_of(config, service)
    if _port_taken(config.host, port):
        raise StackError(
            f"port {port} is taken by another program, so the {service} stand-in can't start. "
            f"Stop that program, or run `python -m devstack down`."
        )
    config.log_dir.mkdir(parents=True, exist_ok=True)
    log_path = config.log_dir / f"{service}.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devstack.serve", service],
            cwd=PROJECT_ROOT,
            env=_service_env(config),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session: Ctrl-C in the terminal that ran `up` must not reach it. `down`
            # stops it.
            start_new_session=True,
        )
    return proc.pid


def _wait_until_answering(config: StackConfig, pids: dict[str, int]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    waiting = set(pids)
    while waiting:
        for service in list(waiting):
            if _answers(_health_url(config, service)):
                waiting.discard(service)
            elif not _alive(pids[service]):
                log = config.log_dir / f"{service}.log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise StackError(f"the {service} stand-in exited at start (log: {log}):\n{tail}")
        if waiting and time.monotonic() > deadline:
            raise StackError(f"{', '.join(sorted(waiting))} did not answer within {STARTUP_TIMEOUT_S}s")
        if waiting:
            time.sleep(0.1)


def _serves_other_keys(config: StackConfig) -> bool:
    """Whether a running Supabase stand-in serves another key generation than `config` asks."""
    try:
        answer = httpx.get(_health_url(config, "supabase"), timeout=1.0).json()
    except (httpx.HTTPError, ValueError):
        return False
    return answer.get("keys", "legacy") != config.supabase_keys


def write_env_file(config: StackConfig) -> Path:
    lines = ["# Written by `python -m devstack up`: the local stand-ins' addresses and keys."]
    lines += [f"{key}={value}" for key, value in config.app_env().items()]
    config.env_file.write_text("\n".join(lines) + "\n")
    config.env_file.chmod(0o600)
    return config.env_file


def up(config: StackConfig) -> None:
    """Bring the stack up (or leave it up), then write `.devstack/env`. A Supabase stand-in left
    running with the other key generation (DEVSTACK_SUPABASE_KEYS) is restarted."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    Cluster(config).ensure_running()
    running = {k: pid for k, pid in _read_running(config).items() if _alive(pid)}
    if "supabase" in running and _serves_other_keys(config):
        _stop_pid(running.pop("supabase"))
    started: dict[str, int] = {}
    try:
        for service in SERVICES:
            if service not in running:
                started[service] = _start_service(config, service)
        _wait_until_answering(config, {**running, **started})
    except BaseException:
        for pid in started.values():
            _stop_pid(pid)
        raise
    config.run_file.write_text(json.dumps({**running, **started}))
    write_env_file(config)


def _stop_pid(pid: int, timeout: float = 10.0) -> None:
    if not _alive(pid):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)


def down(config: StackConfig) -> None:
    """Stop what `up` started: both stand-ins, then PostgreSQL. Data stays for the next `up`."""
    for pid in _read_running(config).values():
        _stop_pid(pid)
    config.run_file.unlink(missing_ok=True)
    Cluster(config).stop()


def control(config: StackConfig, service: str, method: str, path: str,
            **kwargs) -> httpx.Response:
    """Call a stand-in's `/__devstack/<path>` control route ("supabase" or "stripe"), with the
    admin key it asks for; raises on an error answer."""
    base, key = ((config.supabase_url, config.api_key("service_role"))
                 if service == "supabase"
                 else (config.stripe_api_base, config.secrets.stripe_secret_key))
    response = httpx.request(method, f"{base}/__devstack/{path}",
                             headers={"Authorization": f"Bearer {key}"}, timeout=30, **kwargs)
    response.raise_for_status()
    return response


def destroy(config: StackConfig) -> None:
    """Stop the stack and delete everything it kept: data, keys, logs. For throwaway stacks."""
    down(config)
    shutil.rmtree(Cluster(config).root, ignore_errors=True)
    shutil.rmtree(config.state_dir, ignore_errors=True)


def status(config: StackConfig) -> dict[str, bool]:
    result = {"postgres": Cluster(config).running}
    for service in SERVICES:
        result[service] = _answers(_health_url(config, service))
    return result
