"""The doctor's parts: a check, what it found, and running many at once within a time limit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import httpx
import stripe

from billing_app.platform.outcomes import UpstreamError, describe_stripe_error


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"  # holds, with something to look at; the run still passes
    FAILED = "failed"
    SKIPPED = "skipped"  # not checked: a check it needs didn't hold, or it doesn't apply


@dataclass(frozen=True)
class Finding:
    """What one check found. `fix` says what to change, naming the setting or the Dashboard
    page in the README's words; every FAILED finding has one."""

    status: Status
    summary: str
    fix: str = ""

    @property
    def holds(self) -> bool:
        return self.status in (Status.OK, Status.WARNING)


def ok(summary: str) -> Finding:
    return Finding(Status.OK, summary)


def warning(summary: str, fix: str) -> Finding:
    return Finding(Status.WARNING, summary, fix)


def failed(summary: str, fix: str) -> Finding:
    return Finding(Status.FAILED, summary, fix)


def skipped(summary: str) -> Finding:
    return Finding(Status.SKIPPED, summary)


@dataclass(frozen=True)
class Check:
    """One question to a service (or to the settings). `fix` is what to change when the
    question can't be answered at all (no answer in time, a connection refused); `needs` names
    the checks of the same section that must hold first."""

    section: str
    name: str
    run: Callable[[], Awaitable[Finding]]
    fix: str
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    check: Check
    finding: Finding


def describe(exc: BaseException) -> str:
    """An error as a line for the operator: its kind and message, never a key (the report
    hides the settings' secrets in every line too)."""
    if isinstance(exc, stripe.StripeError):
        return f"Stripe answered {describe_stripe_error(exc)}"
    if isinstance(exc, UpstreamError):
        return str(exc)
    said = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"no answer ({said})" if isinstance(exc, httpx.HTTPError) else said


async def run_checks(checks: Sequence[Check], timeout_s: float) -> list[Result]:
    """Every check at once, each within `timeout_s` once it starts. A check starts when all it
    `needs` hold, and is skipped when one doesn't. Results come in the order given."""
    tasks: dict[tuple[str, str], asyncio.Task[Finding]] = {}

    async def one(check: Check) -> Finding:
        for name in check.needs:
            if not (await tasks[check.section, name]).holds:
                return skipped(f"not checked, as the {check.section} {name} check didn't hold")
        try:
            return await asyncio.wait_for(check.run(), timeout_s)
        except TimeoutError:
            return failed(f"no answer within {timeout_s:g} s", check.fix)
        except Exception as exc:  # noqa: BLE001 - the edge: any failure is this check's ✘
            return failed(describe(exc), check.fix)

    for check in checks:
        tasks[check.section, check.name] = asyncio.ensure_future(one(check))
    return [Result(check, await tasks[check.section, check.name]) for check in checks]
