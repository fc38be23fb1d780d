"""`python -m devstack up | down | seed | env | status | run -- <command>`.

    up      start PostgreSQL and both stand-ins in the background, wait until they answer,
            write .devstack/env; seeds the demo accounts when any is missing
            (--webhook-url URL: where the Stripe stand-in posts its signed events)
    down    stop what `up` started
    seed    (re)create the demo accounts
    env     print .devstack/env
    status  say what is running
    run     what `make run` uses: with real credentials (SUPABASE_URL or STRIPE_SECRET_KEY in
            the environment or .env) run <command> as it is; otherwise bring the stand-ins up,
            run <command> with their settings, and stop them when it ends or on Ctrl-C
    exec    what `make doctor` uses: <command> with the settings `run` gives the app, on the
            stand-ins already running (from `make run` or `up`), which it leaves running; with
            real credentials, <command> as it is

The Supabase stand-in serves the new API keys (sb_publishable_/sb_secret_, ES256 tokens and a
JWKS) unless DEVSTACK_SUPABASE_KEYS=legacy (JWT anon/service_role keys, HS256). README.md here
lists the other DEVSTACK_* settings and what the stand-ins model.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Mapping

from dotenv import dotenv_values

from devstack import seed as demo
from devstack.config import PROJECT_ROOT, StackConfig
from devstack.stack import StackError, control, down, status, up

DEV_SITE_URL = "http://localhost:3000"
DEV_WEBHOOK_URL = "http://localhost:8000/api/webhooks/stripe"


def point_webhooks(config: StackConfig, url: str) -> None:
    """Tell a running Stripe stand-in where to deliver events."""
    control(config, "stripe", "PUT", "webhook", json={"url": url})


def has_demo_data(config: StackConfig) -> bool:
    """Every demo account exists (a stack seeded by an older version lacks the newer ones)."""
    users = demo.admin_client(config).auth.admin.list_users(per_page=1000)
    return set(demo.DEMO_ACCOUNTS) <= {u.email for u in users}


def bring_up(config: StackConfig, webhook_url: str | None) -> None:
    up(config)
    if webhook_url:
        point_webhooks(config, webhook_url)
    if not has_demo_data(config):
        demo.seed(config)


def real_credentials() -> bool:
    dotenv = dotenv_values(PROJECT_ROOT / ".env")
    return any(os.environ.get(k) or dotenv.get(k) for k in ("SUPABASE_URL", "STRIPE_SECRET_KEY"))


def app_env(stand_ins: Mapping[str, str | None]) -> dict[str, str]:
    """The app's environment on the stand-ins: this one, SITE_URL unless set, and `stand_ins`."""
    env = dict(os.environ)
    env.setdefault("SITE_URL", DEV_SITE_URL)
    env.update({name: value for name, value in stand_ins.items() if value is not None})
    return env


def run_command(config: StackConfig, command: list[str]) -> int:
    if not command:
        raise SystemExit("devstack run: give the command to run after --")
    if real_credentials():
        print("Real credentials found (SUPABASE_URL / STRIPE_SECRET_KEY): no local stand-ins.")
        os.execvp(command[0], command)
    bring_up(config, DEV_WEBHOOK_URL)
    env = app_env(config.app_env())
    accounts = "".join(f"    {email:24}{has}\n" for email, has in demo.DEMO_ACCOUNTS.items())
    print(
        "\nRunning on local stand-ins for Supabase and Stripe (python -m devstack).\n"
        f"  Sign in at {DEV_SITE_URL}/login with the password {demo.DEMO_PASSWORD} as:\n"
        f"{accounts}"
        f"  Stripe events go to {DEV_WEBHOOK_URL}. Ctrl-C stops everything.\n",
        flush=True,
    )
    child = subprocess.Popen(command, env=env)
    # Ctrl-C reaches the whole process group, the child included; we only wait for it, then
    # stop the stand-ins. SIGTERM (from a supervisor) is passed on to the child first.
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue
    finally:
        print("\nStopping the local stand-ins...", flush=True)
        down(config)


def exec_command(config: StackConfig, command: list[str]) -> int:
    """`command` with the settings the app of `make run` has: the running stand-ins' (as
    `.devstack/env` names them, for the key generation they serve), or, with real credentials,
    the environment and .env as they are."""
    if not command:
        raise SystemExit("devstack exec: give the command to run after --")
    if real_credentials():
        os.execvp(command[0], command)
    if not (config.env_file.exists() and all(status(config).values())):
        print("devstack: the local stand-ins aren't running. Start them with `make run` (or "
              "`python -m devstack up`), or put real credentials in .env (SUPABASE_URL, "
              "STRIPE_SECRET_KEY, ...: see .env.example).", file=sys.stderr)
        return 1
    os.execvpe(command[0], command, app_env(dotenv_values(config.env_file)))
    return 1  # not reached: exec replaces this process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    up_parser = sub.add_parser("up", help="start the stand-ins in the background")
    up_parser.add_argument("--webhook-url", default=None)
    sub.add_parser("down", help="stop them")
    sub.add_parser("seed", help="(re)create the demo accounts")
    sub.add_parser("env", help="print .devstack/env")
    sub.add_parser("status", help="say what is running")
    run_parser = sub.add_parser("run", help="run a command on the stand-ins (make run)")
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    exec_parser = sub.add_parser("exec", help="run a command on the running stand-ins' "
                                              "settings (make doctor)")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    config = StackConfig.from_env()
    try:
        if args.action == "up":
            bring_up(config, args.webhook_url or config.webhook_url)
            print(f"devstack is up; settings in {config.env_file}")
        elif args.action == "down":
            down(config)
            print("devstack is down")
        elif args.action == "seed":
            for email, user_id in demo.seed(config).items():
                print(f"{email}  {user_id}")
        elif args.action == "env":
            if not config.env_file.exists():
                raise SystemExit("no .devstack/env yet: run `python -m devstack up` first")
            sys.stdout.write(config.env_file.read_text())
        elif args.action == "status":
            for part, running in status(config).items():
                print(f"{part:9} {'running' if running else 'stopped'}")
        else:
            command = args.command[1:] if args.command[:1] == ["--"] else args.command
            run = run_command if args.action == "run" else exec_command
            return run(config, command)
    except StackError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
