"""What `make doctor` prints: one ✔ / ✘ line per check by section, each ✘ followed by its fix,
and a last line. Every secret the settings hold is hidden from every line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import SecretStr

from billing_app.doctor.checks import Result, Status
from billing_app.platform.settings import Settings

MARKS = {Status.OK: "✔", Status.FAILED: "✘", Status.WARNING: "!", Status.SKIPPED: "–"}
HIDDEN = "[hidden]"


def secrets_of(settings: Settings | None) -> list[str]:
    """Every secret value the settings hold (keys, the webhook secret), longest first."""
    if settings is None:
        return []
    values = [getattr(settings, name) for name in type(settings).model_fields]
    found = {v.get_secret_value() for v in values if isinstance(v, SecretStr)}
    return sorted((s for s in found if s), key=len, reverse=True)


def hide(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    return text


def _indented(text: str, first: str, rest: str) -> list[str]:
    lines = text.splitlines() or [""]
    return [first + lines[0], *(rest + line for line in lines[1:])]


def lines(results: Sequence[Result], secrets: Iterable[str] = ()) -> list[str]:
    """The report, line by line."""
    secrets = list(secrets)
    out: list[str] = []
    section = None
    for result in results:
        if result.check.section != section:
            section = result.check.section
            out += [*([""] if out else []), section]
        finding = result.finding
        out += _indented(hide(f"{result.check.name}: {finding.summary}", secrets),
                         f"  {MARKS[finding.status]} ", "      ")
        if finding.fix and finding.status in (Status.FAILED, Status.WARNING):
            out += _indented(hide(finding.fix, secrets), "      → ", "        ")
    counts = {status: sum(r.finding.status == status for r in results) for status in Status}
    tally = ", ".join(f"{counts[s]} {MARKS[s]}" for s in Status if counts[s])
    verdict = ("fix each ✘ above, then run make doctor again" if counts[Status.FAILED]
               else "everything the app needs holds")
    return [*out, "", f"{tally}: {verdict}."]
