"""`python -m devstack run -- <command>`, which `make run` uses: stand-ins up for the command's
lifetime, gone after Ctrl-C; none at all with real credentials."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from devstack.config import PROJECT_ROOT, StackConfig
from devstack.stack import destroy, status
from tests.helpers import free_port


def _stack(tmp_path) -> StackConfig:
    return StackConfig(state_dir=tmp_path / "stack", supabase_port=free_port(),
                       postgres_port=free_port(), stripe_port=free_port())


def _env(config: StackConfig, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SUPABASE_URL", "STRIPE_SECRET_KEY")}
    env.update(
        DEVSTACK_DIR=str(config.state_dir),
        DEVSTACK_SUPABASE_PORT=str(config.supabase_port),
        DEVSTACK_POSTGRES_PORT=str(config.postgres_port),
        DEVSTACK_STRIPE_PORT=str(config.stripe_port),
        **extra,
    )
    return env


def test_ctrl_c_stops_the_command_and_every_stand_in(tmp_path):
    config = _stack(tmp_path)
    env = _env(config)
    marker = tmp_path / "command-ran"
    script = (f"import os, time; open({str(marker)!r}, 'w').write(os.environ['SUPABASE_URL']);"
              " time.sleep(120)")
    command = [sys.executable, "-m", "devstack", "run", "--", sys.executable, "-c", script]
    proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.2)
        assert marker.read_text() == config.supabase_url
        assert status(config) == {"postgres": True, "supabase": True, "stripe": True}
        service_key = config.secrets.api_key("service_role")
        users = httpx.get(f"{config.supabase_url}/auth/v1/admin/users",
                          headers={"apikey": service_key, "Authorization": f"Bearer {service_key}"})
        assert "demo@example.com" in users.text  # seeded on first start
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        output, _ = proc.communicate(timeout=60)
        assert "Running on local stand-ins" in output and "demo@example.com" in output
        assert status(config) == {"postgres": False, "supabase": False, "stripe": False}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        destroy(config)


def test_real_credentials_start_no_stand_in(tmp_path):
    env = _env(_stack(tmp_path), SUPABASE_URL="https://example.supabase.co")
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "run", "--", sys.executable, "-c", "print('ran')"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ran" in result.stdout and "no local stand-ins" in result.stdout
    assert not (tmp_path / "stack" / "running.json").exists()
    assert not (tmp_path / "stack" / "postgres").exists()
