"""`python -m billing_app.doctor [--create-test-session] [--timeout S]`: what `make doctor` runs.

Reads the settings the app reads, checks them against the Supabase project and the Stripe
account they name, prints one ✔ / ✘ line per check, and exits 0 only if nothing failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from billing_app.doctor import addresses, configuration, report, stripe_account, supabase_project
from billing_app.doctor.checks import Check, Finding, Result, Status, run_checks
from billing_app.platform import clients
from billing_app.platform.settings import Settings

DEFAULT_TIMEOUT_S = 15.0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m billing_app.doctor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--create-test-session", action="store_true",
                        help="in test mode only: make one Stripe portal session for a throwaway "
                             "customer, and delete the customer again")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                        help=f"seconds each check may take (default {DEFAULT_TIMEOUT_S:g})")
    return parser.parse_args(argv)


def _settings_check(finding: Finding) -> Check:
    async def found() -> Finding:
        return finding
    return Check("Settings", "Settings", found, finding.fix)


async def _diagnose(settings: Settings, args: argparse.Namespace) -> list[Result]:
    backend, backend_set = addresses.backend_address()
    checks = [
        _settings_check(configuration.loaded(settings)),
        *supabase_project.checks(settings),
        *stripe_account.checks(settings, backend, args.create_test_session),
        *addresses.checks(settings, backend, backend_set),
    ]
    async with clients.lifespan():  # closes this loop's pools at the end
        return await run_checks(checks, args.timeout)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    loaded = configuration.load()
    if isinstance(loaded, Finding):  # nothing else can be asked without them
        settings = None
        results = asyncio.run(run_checks([_settings_check(loaded)], args.timeout))
    else:
        settings = loaded
        results = asyncio.run(_diagnose(settings, args))
    sys.stdout.reconfigure(errors="replace")  # a terminal without ✔ still gets the text
    print("\n".join(report.lines(results, report.secrets_of(settings))))
    return 1 if any(r.finding.status == Status.FAILED for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
