"""`python -m devstack run -- <command>`, which `make run` uses: stand-ins up for the command's
lifetime, gone after Ctrl-C; none at all with real credentials. `exec`, which `make doctor`
uses, runs on the stand-ins already up (tests/integration/doctor/test_doctor.py runs it so)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import jwt

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
    script = (f"import os, time; open({str(marker)!r}, 'w').write(os.environ['SUPABASE_URL']"
              " + ' ' + os.environ['SUPABASE_PUBLISHABLE_KEY'][:15]); time.sleep(120)")
    command = [sys.executable, "-m", "devstack", "run", "--", sys.executable, "-c", script]
    proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.2)
        # `make run` comes up on the new key generation.
        assert marker.read_text() == f"{config.supabase_url} sb_publishable_"
        assert status(config) == {"postgres": True, "supabase": True, "stripe": True}
        users = httpx.get(f"{config.supabase_url}/auth/v1/admin/users",
                          headers=config.key_headers("service_role"))
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


def test_exec_needs_the_stand_ins_running_and_starts_none(tmp_path):
    config = _stack(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "exec", "--", sys.executable, "-c", "print('ran')"],
        cwd=PROJECT_ROOT, env=_env(config), capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert result.returncode == 1 and "ran" not in result.stdout
    assert "the local stand-ins aren't running. Start them with `make run`" in result.stderr
    assert status(config) == {"postgres": False, "supabase": False, "stripe": False}


def test_exec_with_real_credentials_runs_the_command_as_it_is(tmp_path):
    env = _env(_stack(tmp_path), STRIPE_SECRET_KEY="sk_test_real")
    script = "import os; print(os.environ['STRIPE_SECRET_KEY'], os.environ.get('SITE_URL'))"
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "exec", "--", sys.executable, "-c", script],
        cwd=PROJECT_ROOT, env={k: v for k, v in env.items() if k != "SITE_URL"},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sk_test_real", "None"]


def _cli(config: StackConfig, action: str, **extra: str) -> None:
    done = subprocess.run([sys.executable, "-m", "devstack", action], cwd=PROJECT_ROOT,
                          env=_env(config, **extra), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _env_file(config: StackConfig) -> dict[str, str]:
    lines = config.env_file.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_devstack_supabase_keys_picks_the_generation_and_up_switches_a_running_stack(tmp_path):
    config = _stack(tmp_path)
    try:
        _cli(config, "up", DEVSTACK_SUPABASE_KEYS="legacy")
        legacy = _env_file(config)
        assert "SUPABASE_PUBLISHABLE_KEY" not in legacy
        anon = legacy["SUPABASE_ANON_KEY"]
        assert jwt.decode(anon, options={"verify_signature": False})["role"] == "anon"
        jwks = httpx.get(f"{config.supabase_url}/auth/v1/.well-known/jwks.json",
                         headers={"apikey": anon})
        assert jwks.json() == {"keys": []}

        # Up again on the new keys, without `down`: the running Supabase stand-in is replaced.
        _cli(config, "up")
        new = _env_file(config)
        assert "SUPABASE_ANON_KEY" not in new
        assert new["SUPABASE_PUBLISHABLE_KEY"].startswith("sb_publishable_")
        assert new["SUPABASE_SECRET_KEY"].startswith("sb_secret_")
        jwks = httpx.get(f"{config.supabase_url}/auth/v1/.well-known/jwks.json",
                         headers={"apikey": new["SUPABASE_PUBLISHABLE_KEY"]}).json()
        assert [(k["alg"], k["kty"]) for k in jwks["keys"]] == [("ES256", "EC")]
        refused = httpx.get(f"{config.supabase_url}/auth/v1/health", headers={"apikey": anon})
        assert refused.status_code == 401  # the legacy key is no key of this stack
    finally:
        _cli(config, "down")
        destroy(config)
