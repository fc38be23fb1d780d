"""Running `python -m billing_app.doctor` as `make doctor` runs it on `make run`'s stand-ins: a
process of its own, with the settings `make run` gives the app (the stack's, SITE_URL
http://localhost:3000, REFLEX_API_URL unset) and the Stripe stand-in's webhooks pointed at
http://localhost:8000/api/webhooks/stripe, as `make run` points them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from billing_app.platform.settings import environment_names
from devstack.__main__ import DEV_SITE_URL, DEV_WEBHOOK_URL
from devstack.config import PROJECT_ROOT, StackConfig
from devstack.stack import control

MAKE_RUN_WEBHOOK = {"url": DEV_WEBHOOK_URL, "enabled_events": ["*"]}
MARKS = "✔✘!–"


def secrets_of(stack: StackConfig) -> list[str]:
    """Every secret of the stack the doctor could print: none may appear."""
    held = stack.secrets
    return [held.stripe_secret_key, held.stripe_webhook_secret, held.jwt_secret,
            held.publishable_key, held.secret_key, held.postgres_password,
            held.legacy_key("anon"), held.legacy_key("service_role")]


@dataclass
class Diagnosis:
    exit_code: int
    output: str

    def entries(self) -> dict[str, tuple[str, str]]:
        """Each check as "<section>: <name>" -> (its mark, its text: the summary and the fix
        lines after it)."""
        found: dict[str, tuple[str, str]] = {}
        section = current = None
        for line in self.output.splitlines():
            if match := re.match(rf"  ([{MARKS}]) ([^:]+): (.*)", line):
                current = f"{section}: {match[2]}"
                found[current] = (match[1], match[3])
            elif current and line.startswith("      "):
                found[current] = (found[current][0], f"{found[current][1]}\n{line.strip()}")
            else:
                section, current = line.strip(), None
        return found

    def marked(self, mark: str) -> list[str]:
        return [name for name, (found, _) in self.entries().items() if found == mark]

    def text(self, name: str) -> str:
        return self.entries()[name][1]


def doctor_env(stack: StackConfig, **env: str) -> dict[str, str]:
    """`make run`'s environment for the app on `stack`, with `env` on top. Every setting the app
    reads is set (blank when unused), so neither this environment nor a `.env` slips in."""
    inherited = {k: v for k, v in os.environ.items()
                 if k not in environment_names() and k != "REFLEX_API_URL"}
    return {**inherited, **dict.fromkeys(environment_names(), ""), **stack.app_env(),
            "SITE_URL": DEV_SITE_URL, **env}


def _run(stack: StackConfig, command: list[str], env: dict[str, str]) -> Diagnosis:
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    output = done.stdout + done.stderr
    for secret in secrets_of(stack):
        assert secret not in output, "the doctor printed a secret"
    return Diagnosis(done.returncode, done.stdout)


def run_doctor(stack: StackConfig, *args: str, **env: str) -> Diagnosis:
    """The doctor's run on `stack`: its exit code and what it printed (no secret, ever)."""
    return _run(stack, [sys.executable, "-m", "billing_app.doctor", *args],
                doctor_env(stack, **env))


def run_make_doctor(stack: StackConfig) -> Diagnosis:
    """`make doctor` itself, finding `stack` as `make run`'s stand-ins (DEVSTACK_DIR and the
    ports), with no app settings in the environment: `.devstack/env` gives them."""
    devstack = {"DEVSTACK_DIR": str(stack.state_dir),
                "DEVSTACK_SUPABASE_PORT": str(stack.supabase_port),
                "DEVSTACK_POSTGRES_PORT": str(stack.postgres_port),
                "DEVSTACK_STRIPE_PORT": str(stack.stripe_port)}
    env = {k: v for k, v in doctor_env(stack).items()
           if k not in stack.app_env() and k != "SITE_URL"}
    return _run(stack, ["make", "--no-print-directory", "doctor"], {**env, **devstack})


def webhook_endpoint(stack: StackConfig, **endpoint: object) -> dict:
    """The Stripe stand-in's webhook endpoint: set it (url, enabled_events), answer it."""
    if endpoint:
        return control(stack, "stripe", "PUT", "webhook", json=endpoint).json()
    return control(stack, "stripe", "GET", "webhook").json()


@contextmanager
def make_run_webhooks(stack: StackConfig, **changes: object) -> Iterator[None]:
    """Webhooks pointed as `make run` points them (with `changes`), and back as they were
    afterwards, for the other tests."""
    before = webhook_endpoint(stack)
    webhook_endpoint(stack, **{**MAKE_RUN_WEBHOOK, **changes})
    try:
        yield
    finally:
        webhook_endpoint(stack, url=before["url"], enabled_events=before["enabled_events"])
